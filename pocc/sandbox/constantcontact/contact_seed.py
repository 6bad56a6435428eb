"""The lists, custom fields and contacts of a fresh sandbox account (called by
`seed.py`).

Contacts are made before the seeded campaigns are sent, so that those campaigns reach
real people and show engagement. Their names, addresses and list memberships come
from their position alone, so every fresh sandbox holds the same contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from . import contact_records, custom_fields, lists
from .contact_changes import new_contact, new_email
from .service import ConstantContactService
from .timestamps import iso

LISTS = (
    ("General Interest", "Everyone who asked to hear from us", True),
    ("Wholesale Customers", "Cafes and shops that buy by the bag", False),
    ("Event Attendees 2024", "People who came to a tasting", False),
    ("Newsletter", "Monthly roasting notes", True),
)
CUSTOM_FIELDS = (
    ("Favorite Roast", "string", None),
    ("Customer Since", "date", None),
    ("Loyalty Points", "number", None),
    ("Preferred Store", "single_select", ("Harbor Street", "Back Bay", "Online")),
)

CONTACT_COUNT = 240
CONTACTS_JOINED_DAYS_AGO = 60
FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Noor",
    "Oscar",
    "Priya",
]
LAST_NAMES = [
    "Almeida",
    "Berg",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gallo",
    "Haddad",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "Lund",
    "Moreau",
    "Novak",
    "Okafor",
]
# Every contact is on General Interest; every n-th one on another list as well.
LIST_EVERY = {
    "General Interest": 1,
    "Newsletter": 2,
    "Event Attendees 2024": 3,
    "Wholesale Customers": 12,
}


def seed(service: ConstantContactService, seeded_id: Callable[[str], str]) -> None:
    for name, description, favorite in LISTS:
        lists.create_list(
            service,
            name,
            description=description,
            favorite=favorite,
            list_id=seeded_id(f"list:{name}"),
        )

    for label, field_type, choices in CUSTOM_FIELDS:
        data: dict[str, object] = {"label": label, "type": field_type}

        if choices:
            data["choices"] = [{"choice_label": choice} for choice in choices]

        custom_fields.create_field(service, data, field_id=seeded_id(f"field:{label}"))

    seed_contacts(service, seeded_id)


def seed_contacts(
    service: ConstantContactService, seeded_id: Callable[[str], str]
) -> None:
    joined = iso(service.now() - timedelta(days=CONTACTS_JOINED_DAYS_AGO))

    for position in range(CONTACT_COUNT):
        first_name = FIRST_NAMES[position % len(FIRST_NAMES)]
        last_name = LAST_NAMES[position % len(LAST_NAMES)]
        address = f"{first_name}.{last_name}.{position}@example.com".lower()

        contact = new_contact(joined, "Account")
        contact["contact_id"] = seeded_id(f"contact:{position}")
        contact["first_name"] = first_name
        contact["last_name"] = last_name
        contact["email_address"] = new_email(address, "implicit", "Account", joined)
        contact_records.insert(service.store, contact)

        list_ids = [
            seeded_id(f"list:{name}")
            for name, every in LIST_EVERY.items()
            if position % every == 0
        ]
        contact_records.add_memberships(
            service.store, contact["contact_id"], list_ids, joined
        )
