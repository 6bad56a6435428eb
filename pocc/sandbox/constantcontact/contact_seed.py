"""The lists and custom fields of a fresh sandbox account (called by `seed.py`)."""

from __future__ import annotations

from collections.abc import Callable

from . import custom_fields, lists
from .service import ConstantContactService

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
