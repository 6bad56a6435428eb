"""How each way of writing a contact changes it: POST, PUT, sign-up form, import.

The rules that differ between them (reference notes, section 6.1): POST creates and
sets the compliance fields once; PUT replaces top-level fields but keeps omitted
sub-resources; the sign-up form and imports change only the fields given. A contact
who unsubscribed themselves (`opt_out_source` Contact) stays unsubscribed unless
they opt back in themselves: an Account-sourced PUT cannot re-subscribe them, while
the sign-up form (the contact's own action) sets `explicit` again, as the spec says.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from . import custom_fields as custom_field_module
from . import lists as list_module
from .contact_schemas import ERROR_KEY
from .errors import InvalidRequestError
from .service import ConstantContactService

TOP_LEVEL = (
    "first_name",
    "last_name",
    "job_title",
    "company_name",
    "birthday_month",
    "birthday_day",
    "anniversary",
)
SUB_RESOURCES = (
    "custom_fields",
    "phone_numbers",
    "street_addresses",
    "taggings",
    "notes",
)


def new_contact(now: str, create_source: str) -> dict[str, Any]:
    return {
        "contact_id": str(uuid.uuid4()),
        "create_source": create_source,
        "created_at": now,
        "updated_at": now,
        "custom_fields": [],
        "phone_numbers": [],
        "street_addresses": [],
        "taggings": [],
        "notes": [],
    }


def new_email(address: str, permission: str, source: str, now: str) -> dict[str, Any]:
    email = {
        "address": address,
        "permission_to_send": permission,
        "created_at": now,
        "updated_at": now,
        "opt_in_source": source,
        "confirm_status": "off",
    }

    if permission in ("explicit", "implicit"):
        email["opt_in_date"] = now

    if permission == "unsubscribed":
        mark_unsubscribed(email, source, None, now)

    return email


def mark_unsubscribed(
    email: dict[str, Any], source: str, reason: str | None, now: str
) -> None:
    email["permission_to_send"] = "unsubscribed"
    email["opt_out_source"] = source
    email["opt_out_date"] = now
    email["updated_at"] = now

    if reason:
        email["opt_out_reason"] = reason


def mark_subscribed(
    email: dict[str, Any], permission: str, source: str, now: str
) -> None:
    email["permission_to_send"] = permission
    email["opt_in_source"] = source
    email["opt_in_date"] = now
    email["updated_at"] = now

    for key in ("opt_out_source", "opt_out_date", "opt_out_reason"):
        email.pop(key, None)


def opted_out_by_contact(contact: dict[str, Any]) -> bool:
    email = contact.get("email_address") or {}
    return (
        email.get("permission_to_send") == "unsubscribed"
        and email.get("opt_out_source") == "Contact"
    )


def check_lists(service: ConstantContactService, list_ids: list[str]) -> None:
    unknown = sorted(set(list_ids) - list_module.live_list_ids(service))

    if unknown:
        raise InvalidRequestError(
            ERROR_KEY, f"list_memberships holds unknown list ids: {', '.join(unknown)}"
        )


def custom_field_values(
    service: ConstantContactService, values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    known = custom_field_module.fields_by_id(service)
    unknown = [
        item["custom_field_id"]
        for item in values
        if item["custom_field_id"] not in known
    ]

    if unknown:
        raise InvalidRequestError(
            ERROR_KEY, f"custom_field_id {unknown[0]} does not exist in this account"
        )

    return [{k: v for k, v in item.items() if v is not None} for item in values]


def merge_custom_fields(
    current: list[dict[str, Any]], given: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Given values replace those of the same field; the others stay."""
    merged = {item["custom_field_id"]: item for item in current}
    merged.update({item["custom_field_id"]: item for item in given})
    return list(merged.values())


def apply_post(
    service: ConstantContactService, data: dict[str, Any], now: str
) -> tuple[dict[str, Any], list[str]]:
    contact = new_contact(now, data["create_source"])

    if data.get("email_address"):
        email = data["email_address"]
        contact["email_address"] = new_email(
            email["address"],
            email.get("permission_to_send", "implicit"),
            data["create_source"],
            now,
        )

    for name in TOP_LEVEL:
        if data.get(name) is not None:
            contact[name] = data[name]

    set_sub_resources(service, contact, data)
    list_ids = data.get("list_memberships", [])
    check_lists(service, list_ids)
    return contact, list_ids


def apply_put(
    service: ConstantContactService,
    current: dict[str, Any],
    data: dict[str, Any],
    now: str,
) -> tuple[dict[str, Any], list[str] | None]:
    contact = copy.deepcopy(current)
    source = data["update_source"]
    contact["update_source"] = source
    contact["updated_at"] = now
    contact.pop("deleted_at", None)

    for name in TOP_LEVEL:
        contact.pop(name, None)

        if data.get(name) is not None:
            contact[name] = data[name]

    if data.get("email_address"):
        change_email(contact, data["email_address"], source, now)

    set_sub_resources(service, contact, data)
    list_ids = data.get("list_memberships")

    if list_ids is not None:
        check_lists(service, list_ids)

    return contact, list_ids


def change_email(
    contact: dict[str, Any], given: dict[str, Any], source: str, now: str
) -> None:
    email = contact.get("email_address")

    if email is None:
        contact["email_address"] = new_email(
            given["address"], given.get("permission_to_send", "implicit"), source, now
        )
        return

    if email["address"] != given["address"]:
        email["address"] = given["address"]
        email["updated_at"] = now

    wanted = given.get("permission_to_send")

    if wanted is None or wanted == email["permission_to_send"]:
        return

    if wanted == "unsubscribed":
        mark_unsubscribed(email, source, given.get("opt_out_reason"), now)
        return

    if opted_out_by_contact(contact) and source != "Contact":
        raise InvalidRequestError(
            ERROR_KEY,
            "The contact unsubscribed themselves; only the contact can opt back in.",
        )

    mark_subscribed(email, wanted, source, now)


def set_sub_resources(
    service: ConstantContactService, contact: dict[str, Any], data: dict[str, Any]
) -> None:
    """Sub-resources given replace the stored ones; omitted ones are kept."""
    if "custom_fields" in data:
        contact["custom_fields"] = custom_field_values(service, data["custom_fields"])

    for name in ("phone_numbers", "street_addresses"):
        if name in data:
            contact[name] = [
                {k: v for k, v in item.items() if v is not None} for item in data[name]
            ]

    if "taggings" in data:
        contact["taggings"] = list(dict.fromkeys(data["taggings"]))

    if "notes" in data:
        contact["notes"] = data["notes"]


def apply_sign_up(
    service: ConstantContactService,
    current: dict[str, Any] | None,
    data: dict[str, Any],
    now: str,
) -> dict[str, Any]:
    """Create or partly update from the sign-up form (the contact's own action)."""
    check_lists(service, data["list_memberships"])
    contact = new_contact(now, "Contact") if current is None else copy.deepcopy(current)
    contact["updated_at"] = now
    contact.pop("deleted_at", None)

    if current is not None:
        contact["update_source"] = "Contact"

    address = data.get("email_address")

    if address and contact.get("email_address") is None:
        contact["email_address"] = new_email(address, "explicit", "Contact", now)
    elif address:
        contact["email_address"]["address"] = address
        mark_subscribed(contact["email_address"], "explicit", "Contact", now)

    for name in TOP_LEVEL:
        if data.get(name) is not None:
            contact[name] = data[name]

    if data.get("phone_number"):
        replace_kind(
            contact,
            "phone_numbers",
            {"phone_number": data["phone_number"], "kind": "other"},
        )

    if data.get("street_address"):
        replace_kind(contact, "street_addresses", dict(data["street_address"]))

    if data.get("custom_fields"):
        given = custom_field_values(service, data["custom_fields"])
        contact["custom_fields"] = merge_custom_fields(contact["custom_fields"], given)

    return contact


def replace_kind(contact: dict[str, Any], name: str, item: dict[str, Any]) -> None:
    """Put a phone number or address in place of the one of the same kind."""
    kept = [old for old in contact.get(name, []) if old.get("kind") != item.get("kind")]
    contact[name] = [*kept, item][-3:]
