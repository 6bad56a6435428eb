"""One row of `POST /activities/contacts_json_import`, applied to the account.

Rows are matched to contacts by email without regard to case. A new contact gets
`permission_to_send` implicit with `opt_in_source` Account; an existing one gets only
the fields the row gives (a deleted one is revived). A contact who unsubscribed is
updated but not put on the lists (`cannot_add_to_list_count`). Custom fields come as
`"cf:<name>"`; a name the account does not have is reported in `activity_errors`
while the rest of the row is imported. A row that breaks a rule is not imported and
counts under `error_count` (and `correctable_count` when the address or dates are
malformed, which a person could fix).
"""

from __future__ import annotations

import re
from typing import Any

from . import contact_records
from .contact_changes import merge_custom_fields, new_contact, new_email, replace_kind

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_FIELDS = ("first_name", "last_name", "job_title", "company_name")
PHONE_FIELDS = {
    "phone": "other",
    "home_phone": "home",
    "work_phone": "work",
    "mobile_phone": "mobile",
    "other_phone": "other",
}
ADDRESS_PREFIXES = {"": "other", "home_": "home", "work_": "work", "other_": "other"}
ADDRESS_PARTS = {
    "street": ("street", 255),
    "street2": ("street2", 255),
    "city": ("city", 50),
    "state": ("state", 50),
    "zip": ("postal_code", 50),
    "country": ("country", 50),
}
MAX_CUSTOM_FIELDS = 25


class RowRefusedError(Exception):
    """A row that is not imported; `correctable` when a person could fix it."""

    def __init__(self, message: str, correctable: bool = False) -> None:
        super().__init__(message)
        self.correctable = correctable


def import_row(
    service: Any,
    list_ids: list[str],
    number: int,
    row: Any,
    activity: dict[str, Any],
    now: str,
    known_fields: dict[str, dict[str, Any]],
) -> None:
    status = activity["status"]

    try:
        fields = checked_fields(row)
        custom_values, unknown = custom_field_values(row, known_fields)
    except RowRefusedError as refused:
        status["error_count"] += 1
        status["correctable_count"] += 1 if refused.correctable else 0
        activity["activity_errors"].append(f"Row {number}: {refused}")
        return

    for name in unknown:
        activity["activity_errors"].append(
            f"Row {number}: custom field cf:{name} does not exist; its value was not "
            "imported."
        )

    contact = contact_records.find_by_email(service.store, fields["email"])
    is_new = contact is None

    if contact is None:
        contact = new_contact(now, "Account")
        contact["email_address"] = new_email(
            fields["email"], "implicit", "Account", now
        )
    else:
        contact["update_source"] = "Account"
        contact["updated_at"] = now
        contact.pop("deleted_at", None)

    apply_fields(contact, fields, row, custom_values)

    if is_new:
        contact_records.insert(service.store, contact)
    else:
        contact_records.save(service.store, contact)

    status["person_count"] += 1

    if contact["email_address"]["permission_to_send"] == "unsubscribed":
        status["cannot_add_to_list_count"] += 1
        return

    refused = contact_records.add_memberships(
        service.store, contact["contact_id"], list_ids, now
    )

    if refused:
        activity["activity_errors"].append(
            f"Row {number}: the contact is already a member of "
            f"{contact_records.MAX_LISTS_PER_CONTACT} lists."
        )


def checked_fields(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise RowRefusedError("the row is not a JSON object")

    email = row.get("email")

    if not isinstance(email, str) or not email:
        raise RowRefusedError("email is required", correctable=True)

    if len(email) > 50 or not EMAIL.match(email):
        raise RowRefusedError("email is not a valid address", correctable=True)

    fields: dict[str, Any] = {"email": email}

    for name in NAME_FIELDS:
        if name in row:
            fields[name] = short_text(row, name, 50)

    for name in ("birthday_month", "birthday_day"):
        if name in row:
            fields[name] = birthday_part(row, name)

    if "anniversary" in row:
        fields["anniversary"] = short_text(row, "anniversary", 10)

    return fields


def short_text(row: dict[str, Any], name: str, maximum: int) -> str:
    value = row[name]

    if not isinstance(value, str) or len(value) > maximum:
        raise RowRefusedError(f"{name} must be text of at most {maximum} characters")

    return value


def birthday_part(row: dict[str, Any], name: str) -> int:
    value = row[name]
    maximum = 12 if name == "birthday_month" else 31

    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise RowRefusedError(f"{name} is not a number", correctable=True) from error

    if not 1 <= number <= maximum:
        raise RowRefusedError(f"{name} must be 1 to {maximum}", correctable=True)

    return number


def custom_field_values(
    row: dict[str, Any], known_fields: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    given = {key[3:]: value for key, value in row.items() if key.startswith("cf:")}

    if len(given) > MAX_CUSTOM_FIELDS:
        raise RowRefusedError(
            f"a contact may carry at most {MAX_CUSTOM_FIELDS} custom fields"
        )

    values, unknown = [], []

    for name, value in given.items():
        if name not in known_fields:
            unknown.append(name)
            continue

        if not isinstance(value, str) or len(value) > 255:
            raise RowRefusedError(f"cf:{name} must be text of at most 255 characters")

        values.append(
            {"custom_field_id": known_fields[name]["custom_field_id"], "value": value}
        )

    return values, unknown


def apply_fields(
    contact: dict[str, Any],
    fields: dict[str, Any],
    row: dict[str, Any],
    custom_values: list[dict[str, Any]],
) -> None:
    """Only what the row gives changes; everything else stays as it was."""
    contact["email_address"]["address"] = fields.pop("email")
    contact.update(fields)

    for name, kind in PHONE_FIELDS.items():
        value = row.get(name)

        if isinstance(value, str) and value:
            replace_kind(
                contact, "phone_numbers", {"phone_number": value[:25], "kind": kind}
            )

    for prefix, kind in ADDRESS_PREFIXES.items():
        address = {
            target: str(row[prefix + part])[:maximum]
            for part, (target, maximum) in ADDRESS_PARTS.items()
            if row.get(prefix + part)
        }

        if address:
            street2 = address.pop("street2", None)

            if street2:
                address["street"] = f"{address.get('street', '')} {street2}".strip()[
                    :255
                ]

            replace_kind(contact, "street_addresses", {"kind": kind, **address})

    if custom_values:
        contact["custom_fields"] = merge_custom_fields(
            contact.get("custom_fields", []), custom_values
        )
