"""The fields pocc may send when it writes a Constant Contact resource.

Request bodies are built from these allow-lists, never from what was read: echoing
read-only values back (ids, timestamps, statuses, `create_source` on an update)
either breaks the request schema or silently means something else, and PUT replaces
every top-level property it is given (reference notes, 6.1 and 6.5). A nested
allow-list applies to an object, or to each object of a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Shape = Mapping[str, "Shape | None"]

# Sub-resources shared by a contact's create and update (spec ContactCreateOrUpdate*).
_CONTACT_PARTS: Shape = {
    "first_name": None,
    "last_name": None,
    "job_title": None,
    "company_name": None,
    "birthday_month": None,
    "birthday_day": None,
    "anniversary": None,
    "custom_fields": {"custom_field_id": None, "value": None, "choice_ids": None},
    "phone_numbers": {"phone_number": None, "kind": None},
    "street_addresses": {
        "kind": None,
        "street": None,
        "city": None,
        "state": None,
        "postal_code": None,
        "country": None,
    },
    "list_memberships": None,
    "taggings": None,
}

CONTACT_CREATE: Shape = {
    **_CONTACT_PARTS,
    "email_address": {"address": None, "permission_to_send": None},
    "create_source": None,
}
CONTACT_UPDATE: Shape = {
    **_CONTACT_PARTS,
    "email_address": {"address": None, "permission_to_send": None},
    "update_source": None,
}
CONTACT_LIST: Shape = {"name": None, "favorite": None, "description": None}
CUSTOM_FIELD: Shape = {
    "label": None,
    "type": None,
    "metadata": None,
    "choices": {"choice_label": None, "display_order": None},
}
FOOTER_ADDRESS: Shape = {
    "address_line1": None,
    "address_line2": None,
    "address_line3": None,
    "address_optional": None,
    "city": None,
    "country_code": None,
    "organization_name": None,
    "postal_code": None,
    "state_code": None,
    "state_non_us_name": None,
}
_ACTIVITY_CONTENT: Shape = {
    "from_name": None,
    "from_email": None,
    "reply_to_email": None,
    "subject": None,
    "preheader": None,
    "html_content": None,
    "physical_address_in_footer": FOOTER_ADDRESS,
}
EMAIL_CAMPAIGN: Shape = {
    "name": None,
    "email_campaign_activities": {"format_type": None, **_ACTIVITY_CONTENT},
}
CAMPAIGN_ACTIVITY: Shape = {
    **_ACTIVITY_CONTENT,
    "contact_list_ids": None,
    "segment_ids": None,
}


def writable(shape: Shape, value: Mapping[str, Any]) -> dict[str, Any]:
    """`value` keeping only what `shape` allows, at every level."""
    kept: dict[str, Any] = {}

    for name, nested in shape.items():
        if name not in value:
            continue

        kept[name] = _keep(nested, value[name])

    return kept


def _keep(shape: Shape | None, value: Any) -> Any:
    if shape is None:
        return value

    if isinstance(value, Mapping):
        return writable(shape, value)

    if isinstance(value, list):
        return [_keep(shape, item) for item in value]

    return value
