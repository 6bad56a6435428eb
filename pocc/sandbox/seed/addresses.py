"""Email addresses for seeded people: plausible, unique unless a case says otherwise.

Every address is on a reserved example domain (RFC 2606), so nothing seeded could
ever reach a real mailbox. Uniqueness is judged on the lower-cased, trimmed address,
the way people (and pocc's duplicate rule) compare addresses; the awkward cases that
share an address on purpose are made in `awkward.py`, never here by accident.
"""

from __future__ import annotations

import logging
import random
import re
import unicodedata

logger = logging.getLogger(__name__)

DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "corp.example.org",
    "shop.example.net",
)
_NOT_LOCAL = re.compile(r"[^a-z0-9]+")


def ascii_words(text: str) -> str:
    """`text` folded to lower-case ASCII letters and digits joined by dots."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_LOCAL.sub(".", folded.lower()).strip(".")


class AddressBook:
    """Hands out addresses and remembers them, so none repeats by chance."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, first: str, last: str) -> str:
        """`first.last@domain`, or a numbered or generic one when taken."""
        local = ".".join(
            part for part in (ascii_words(first), ascii_words(last)) if part
        )
        return self._unique(local or "someone", self.rng.choice(DOMAINS))

    def organisation(self, name: str) -> str:
        local = self.rng.choice(("info", "contact", "hello", "office", "sales"))
        domain = ascii_words(name).replace(".", "-")[:30].strip("-") or "company"
        return self._unique(local, f"{domain}.example.com")

    def remember(self, address: str) -> None:
        self.used.add(address.strip().lower())

    def _unique(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        number = 1

        while address.lower() in self.used:
            number += 1
            address = f"{local}{number}@{domain}"

        self.used.add(address.lower())
        return address
