"""Email addresses as Send and the duplicate finder compare them.

Normalisation: surrounding whitespace is trimmed; the local part and the domain are
lower-cased (Constant Contact matches contacts by address without regard to case, so
two addresses that differ only by case are one contact there); plus-addressing is
kept (`ann+news@` and `ann@` are different mailboxes); an internationalised domain is
written in ASCII (IDNA, UTS #46), which is how mail systems and Constant Contact
compare it. Validation then follows the dot-atom form of RFC 5322 for the local part
(ASCII only: a non-ASCII local part needs SMTPUTF8, which pocc does not assume) and
host-name rules for the domain.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import idna

logger = logging.getLogger(__name__)

NO_EMAIL = "no email"
INVALID_EMAIL = "invalid email"

MAX_ADDRESS = 254
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
_LOCAL_PART = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TOP_LEVEL = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


@dataclass(frozen=True)
class Address:
    """A normalised address, or why there is none: `problem` is a skip reason."""

    value: str = ""
    problem: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def normalize(raw: str | None) -> Address:
    """The address as pocc compares and sends it, or the reason it cannot be used."""
    text = (raw or "").strip()

    if not text:
        return Address(problem=NO_EMAIL, detail="the record has no email address")

    local, at, domain = text.rpartition("@")

    if not at or not local or not domain:
        return _invalid("it has no @ between a name and a domain")

    local = local.lower()
    ascii_domain = _ascii_domain(domain.lower().rstrip("."))

    if ascii_domain is None:
        return _invalid("its domain is not a valid host name")

    problem = _local_part_problem(local) or _domain_problem(ascii_domain)

    if problem:
        return _invalid(problem)

    address = f"{local}@{ascii_domain}"

    if len(address) > MAX_ADDRESS:
        return _invalid(f"it is longer than {MAX_ADDRESS} characters")

    return Address(address)


def _ascii_domain(domain: str) -> str | None:
    if domain.isascii():
        return domain

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


def _local_part_problem(local: str) -> str | None:
    if len(local) > MAX_LOCAL_PART:
        return f"the part before @ is longer than {MAX_LOCAL_PART} characters"

    if not _LOCAL_PART.match(local):
        return "the part before @ holds characters or dots an address cannot have"

    return None


def _domain_problem(domain: str) -> str | None:
    labels = domain.split(".")

    if len(domain) > MAX_DOMAIN or len(labels) < 2:
        return "its domain is not a valid host name"

    if not all(_LABEL.match(label) for label in labels):
        return "its domain is not a valid host name"

    if not _TOP_LEVEL.match(labels[-1]):
        return "its domain does not end in a valid top-level domain"

    return None


def _invalid(detail: str) -> Address:
    return Address(problem=INVALID_EMAIL, detail=detail)
