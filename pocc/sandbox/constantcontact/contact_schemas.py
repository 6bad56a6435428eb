"""Request schemas for the contact operations, with the spec's lengths and enums.

Fields the client may not set (ids, timestamps) are ignored rather than refused, so a
client may send back a contact it read. `load(schema, body)` turns marshmallow's
errors into one `contacts.api.validation.error` whose message names each field.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from .errors import InvalidRequestError

ERROR_KEY = "contacts.api.validation.error"

PERMISSIONS = (
    "explicit",
    "implicit",
    "not_set",
    "pending_confirmation",
    "temp_hold",
    "unsubscribed",
)
SOURCES = ("Contact", "Account")
PHONE_KINDS = ("home", "work", "mobile", "other")
ADDRESS_KINDS = ("home", "work", "other")
# MM/DD/YYYY, M/D/YYYY, YYYY/MM/DD, YYYY/M/D, YYYY-MM-DD, YYYY-M-D, M-D-YYYY, M-DD-YYYY
ANNIVERSARY = re.compile(
    r"^(\d{1,2}/\d{1,2}/\d{4}|\d{4}/\d{1,2}/\d{1,2}"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$"
)


def text(maximum: int, **options: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(max=maximum), allow_none=True, **options
    )


def one_of(choices: tuple[str, ...], **options: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(choices), **options)


def anniversary() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=[
            validate.Length(max=10),
            validate.Regexp(
                ANNIVERSARY, error="anniversary is not a valid date format"
            ),
        ],
    )


class Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class EmailAddressPost(Lenient):
    address = fields.String(
        required=True, validate=[validate.Length(max=80), validate.Email()]
    )
    permission_to_send = one_of(PERMISSIONS)


class EmailAddressPut(EmailAddressPost):
    opt_out_reason = text(255)


class ContactCustomField(Lenient):
    custom_field_id = fields.String(required=True, validate=validate.Length(min=1))
    value = text(255)
    choice_ids = fields.List(fields.String())


class PhoneNumber(Lenient):
    phone_number = text(25)
    kind = one_of(PHONE_KINDS)


class StreetAddress(Lenient):
    kind = one_of(ADDRESS_KINDS, required=True)
    street = text(255)
    city = text(50)
    state = text(50)
    postal_code = text(50)
    country = text(50)


class Note(Lenient):
    note_id = fields.String()
    created_at = fields.String()
    content = text(2000)


class ContactFields(Lenient):
    first_name = text(50)
    last_name = text(50)
    job_title = text(50)
    company_name = text(50)
    birthday_month = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, 12)
    )
    birthday_day = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, 31)
    )
    anniversary = anniversary()
    custom_fields = fields.List(
        fields.Nested(ContactCustomField), validate=validate.Length(max=25)
    )
    phone_numbers = fields.List(
        fields.Nested(PhoneNumber), validate=validate.Length(max=3)
    )
    street_addresses = fields.List(
        fields.Nested(StreetAddress), validate=validate.Length(max=3)
    )
    list_memberships = fields.List(fields.String(), validate=validate.Length(max=50))
    taggings = fields.List(fields.String(), validate=validate.Length(max=50))
    notes = fields.List(fields.Nested(Note), validate=validate.Length(max=150))

    @validates_schema
    def birthday_together(self, data: dict[str, Any], **_: Any) -> None:
        month, day = data.get("birthday_month"), data.get("birthday_day")

        if (month is None) != (day is None):
            raise ValidationError(
                "birthday_month and birthday_day must be given together", "birthday_day"
            )


class ContactPost(ContactFields):
    email_address = fields.Nested(EmailAddressPost)
    create_source = one_of(SOURCES, required=True)
    sms_channel = fields.Dict()

    @validates_schema
    def someone_to_contact(self, data: dict[str, Any], **_: Any) -> None:
        if not any(
            data.get(name)
            for name in ("first_name", "last_name", "email_address", "sms_channel")
        ):
            raise ValidationError(
                "at least one of first_name, last_name, email_address or sms_channel "
                "is required",
                "email_address",
            )


class ContactPut(ContactFields):
    email_address = fields.Nested(EmailAddressPut)
    update_source = one_of(SOURCES, required=True)
    sms_channel = fields.Dict()


class SignUpCustomField(Lenient):
    custom_field_id = fields.String(required=True, validate=validate.Length(min=1))
    value = text(255)


class SignUpForm(Lenient):
    email_address = fields.String(validate=[validate.Length(max=50), validate.Email()])
    first_name = text(50)
    last_name = text(50)
    job_title = text(50)
    company_name = text(50)
    phone_number = text(25)
    list_memberships = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=50)
    )
    custom_fields = fields.List(
        fields.Nested(SignUpCustomField), validate=validate.Length(max=50)
    )
    anniversary = anniversary()
    birthday_month = fields.Integer(strict=True, validate=validate.Range(1, 12))
    birthday_day = fields.Integer(strict=True, validate=validate.Range(1, 31))
    street_address = fields.Nested(StreetAddress)
    sms_channel = fields.Dict()

    @validates_schema
    def address_or_sms(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("email_address") and not data.get("sms_channel"):
            raise ValidationError(
                "email_address or sms_channel is required", "email_address"
            )


def load(schema: Schema, body: Any, error_key: str = ERROR_KEY) -> dict[str, Any]:
    """The validated body, or `InvalidRequestError` naming every bad field."""
    if not isinstance(body, dict):
        raise InvalidRequestError(error_key, "The request body must be a JSON object.")

    try:
        return schema.load(body)
    except ValidationError as error:
        raise InvalidRequestError(error_key, describe(error.messages)) from error


def describe(messages: Any, prefix: str = "") -> str:
    """Marshmallow's nested messages as `field.sub: message; ...`."""
    if isinstance(messages, dict):
        parts = [
            describe(value, f"{prefix}{key}." if prefix or key != "_schema" else "")
            for key, value in messages.items()
        ]
        return "; ".join(part for part in parts if part)

    if isinstance(messages, list):
        texts = [describe(item, prefix) for item in messages]
        return "; ".join(texts)

    return f"{prefix.rstrip('.')}: {messages}" if prefix else str(messages)
