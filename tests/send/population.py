"""The population the crash and cancel tests send to, small enough to be quick.

Eight members of two static lists: five to send, in chunks of two (three imports),
and three skipped (a duplicate, a contact without email, one who said no to bulk
email), so every resumed count has skips to keep as well as sends.
"""

from __future__ import annotations

from tests.send.conftest import Seeded

CHUNK_SIZE = 2
WINNERS = 5
MEMBERS = 8
IMPORTS = 3


def seed_population(seeded: Seeded) -> set[str]:
    """Seeds the eight members; the addresses sent to."""
    tag = seeded.campaign_id[:8]
    addresses = [f"crash{number}.{tag}@example.com" for number in range(WINNERS)]
    contacts = [
        seeded.record("contact", lastname=f"Crash {number}", emailaddress1=address)
        for number, address in enumerate(addresses)
    ]
    contacts.append(seeded.record("contact", lastname="No mail"))
    contacts.append(
        seeded.record(
            "contact",
            lastname="No bulk",
            emailaddress1=f"nobulk.{tag}@example.com",
            donotbulkemail=True,
        )
    )
    duplicate = seeded.record(
        "lead", lastname="Twin", emailaddress1=addresses[0].upper()
    )
    seeded.static_list("contact", contacts)
    seeded.static_list("lead", [duplicate])
    return set(addresses)
