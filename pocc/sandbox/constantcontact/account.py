"""`GET /account/summary` and `GET /account/emails` (scope account_read).

The account's owner details and its confirmed sender addresses are seeded once
(`seed.py`); campaigns may only be sent from a CONFIRMED address.
"""

from __future__ import annotations

from .params import csv_values, enum_value
from .routing import Call, Reply, operation

SUMMARY_KIND = "account_summary"
EMAIL_KIND = "account_email"
ERROR_KEY = "account.api.validation.error"

CONFIRM_STATUSES = {
    "CONFIRMED": "CONFIRMED",
    "C": "CONFIRMED",
    "UNCONFIRMED": "UNCONFIRMED",
    "U": "UNCONFIRMED",
}
ROLE_CODES = {
    "CONTACT": "CONTACT",
    "C": "CONTACT",
    "BILLING": "BILLING",
    "B": "BILLING",
    "JOURNALING": "JOURNALING",
    "J": "JOURNALING",
    "REPLY_TO": "REPLY_TO",
    "R": "REPLY_TO",
    "OTHER": "OTHER",
    "O": "OTHER",
}
EXTRA_FIELDS = ("physical_address", "company_logo")


@operation("GET", "/account/summary", scope="account_read")
def get_summary(call: Call) -> Reply:
    extra = csv_values(call.query, "extra_fields", ERROR_KEY, allowed=EXTRA_FIELDS)
    stored = call.store.get(SUMMARY_KIND, "summary") or {}
    summary = {key: value for key, value in stored.items() if key not in EXTRA_FIELDS}

    for name in extra:
        if name in stored:
            summary[name] = stored[name]

    return 200, summary


@operation("GET", "/account/emails", scope="account_read")
def get_emails(call: Call) -> Reply:
    status = enum_value(call.query, "confirm_status", CONFIRM_STATUSES, ERROR_KEY)
    role = enum_value(call.query, "role_code", ROLE_CODES, ERROR_KEY)
    address = call.query.get("email_address")
    emails = call.store.all(EMAIL_KIND)

    if status is not None:
        emails = [e for e in emails if e["confirm_status"] == CONFIRM_STATUSES[status]]

    if role is not None:
        emails = [e for e in emails if ROLE_CODES[role] in e.get("roles", [])]

    if address is not None:
        emails = [e for e in emails if e["email_address"].lower() == address.lower()]

    return 200, emails


def confirmed_addresses(call: Call) -> set[str]:
    """Lower-cased CONFIRMED sender addresses (campaigns must use one of these)."""
    return {
        email["email_address"].lower()
        for email in call.store.all(EMAIL_KIND)
        if email["confirm_status"] == "CONFIRMED"
    }
