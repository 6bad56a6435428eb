"""Checks one contact against the JSON import's rules before it is sent.

Constant Contact refuses a whole import when one value is too long (its request
schema), so pocc checks every value first and reports a contact it cannot send,
rather than losing the others or cutting a name silently. A field the caller's
mapping allows to be cut is cut to its limit instead, and the outcome says so.

Limits (reference notes, 6.4 and section 8): email 50 characters; names, job title,
company, phones, city, state, zip and country 50; streets 255; anniversary 10;
`cf:<name>` values 255 and at most 25 of them per contact.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_CUSTOM_FIELDS = 25
CUSTOM_FIELD_PREFIX = "cf:"
CUSTOM_FIELD_LENGTH = 255
# Loose on purpose: the service judges addresses itself; this catches what would make
# the whole request invalid.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_ADDRESS_LIMITS = {
    prefix + part: 255 if part.startswith("street") else 50
    for prefix in ("", "home_", "work_", "other_")
    for part in ("street", "street2", "city", "state", "zip", "country")
}
FIELD_LIMITS: dict[str, int] = {
    "email": 50,
    "first_name": 50,
    "last_name": 50,
    "job_title": 50,
    "company_name": 50,
    "anniversary": 10,
    "sms_number": 16,
    "phone": 50,
    "home_phone": 50,
    "work_phone": 50,
    "mobile_phone": 50,
    "other_phone": 50,
    **_ADDRESS_LIMITS,
}
NUMBER_FIELDS = frozenset({"birthday_month", "birthday_day"})
# Fields that are never cut, whatever the mapping says: a cut address is another one.
NEVER_CUT = frozenset({"email", "sms_number", "anniversary"})
ALL_FIELDS = "*"


@dataclass
class CheckedRow:
    """A row ready to send, or the reasons it cannot be."""

    row: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_row(contact: Mapping[str, Any], may_cut: Collection[str] = ()) -> CheckedRow:
    """The row to send for one contact (keys as the JSON import names them)."""
    checked = CheckedRow(row={})
    email = contact.get("email")

    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        checked.problems.append("email is missing or not an email address")
    elif len(email.strip()) > FIELD_LIMITS["email"]:
        checked.problems.append(
            f"email is longer than {FIELD_LIMITS['email']} characters"
        )

    custom = [key for key in contact if str(key).startswith(CUSTOM_FIELD_PREFIX)]

    if len(custom) > MAX_CUSTOM_FIELDS:
        checked.problems.append(
            f"{len(custom)} custom fields; a contact may carry {MAX_CUSTOM_FIELDS}"
        )

    for key, value in contact.items():
        if value is None:
            continue

        _check_value(checked, str(key), value, may_cut)

    return checked


def _check_value(
    checked: CheckedRow, key: str, value: Any, may_cut: Collection[str]
) -> None:
    if key in NUMBER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            checked.problems.append(f"{key} must be a whole number")
        else:
            checked.row[key] = value
        return

    limit = _limit(key)

    if limit is None:
        checked.problems.append(f"{key} is not a field the import takes")
        return

    if not isinstance(value, str):
        checked.problems.append(f"{key} must be text")
        return

    text = value.strip() if key == "email" else value

    if len(text) > limit:
        if key in NEVER_CUT or not (ALL_FIELDS in may_cut or key in may_cut):
            checked.problems.append(
                f"{key} is {len(text)} characters long; at most {limit} are allowed"
            )
            return

        text = text[:limit]
        checked.truncated.append(key)

    checked.row[key] = text


def _limit(key: str) -> int | None:
    if key.startswith(CUSTOM_FIELD_PREFIX) and len(key) > len(CUSTOM_FIELD_PREFIX):
        return CUSTOM_FIELD_LENGTH

    return FIELD_LIMITS.get(key)
