"""Contact custom fields: `GET/POST /contact_custom_fields`, `GET/PUT/DELETE .../{id}`.

At most 100 per account, labels unique without regard to case. The system makes each
field's `name` from its label (lower case, other characters as `_`); imports address
the field as `cf:<name>`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from marshmallow import fields, validate

from .contact_schemas import ERROR_KEY, Lenient, load
from .errors import ConflictError, InvalidRequestError, NotFoundError
from .params import decode_cursor, encode_cursor, integer
from .routing import Call, Reply, operation
from .service import ConstantContactService
from .timestamps import iso

KIND = "custom_field"
MAX_FIELDS = 100
TYPES = (
    "string",
    "text_area",
    "number",
    "currency",
    "date",
    "datetime",
    "boolean",
    "single_select",
    "multi_select",
)
SELECT_TYPES = ("single_select", "multi_select")
NOT_FOUND_KEY = "contacts.api.not_found"


class Metadata(Lenient):
    display_type = fields.String()
    allow_negative = fields.Boolean(truthy={True}, falsy={False})
    decimal_places = fields.Integer(strict=True, validate=validate.Range(0, 4))
    currency_code = fields.String()
    integer = fields.Boolean(truthy={True}, falsy={False})
    display_format = fields.String()


class Choice(Lenient):
    choice_id = fields.Integer(strict=True)
    choice_label = fields.String(
        required=True, validate=validate.Length(min=1, max=255)
    )
    display_order = fields.Integer(strict=True)


class CustomFieldPost(Lenient):
    label = fields.String(required=True, validate=validate.Length(min=1, max=50))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    metadata = fields.Nested(Metadata)
    choices = fields.List(fields.Nested(Choice), validate=validate.Length(max=100))
    version = fields.Integer(strict=True, validate=validate.OneOf((1, 2)))


class CustomFieldPut(Lenient):
    label = fields.String(required=True, validate=validate.Length(min=1, max=50))
    choices = fields.List(fields.Nested(Choice), validate=validate.Length(max=100))


def label_key(label: str) -> str:
    return label.strip().lower()


def system_name(label: str, taken: set[str]) -> str:
    """The `name` made from a label: `Favourite Roast` -> `favourite_roast`."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:45] or "field"
    name, suffix = base, 2

    while name in taken:
        name, suffix = f"{base}_{suffix}", suffix + 1

    return name


def fields_by_id(service: ConstantContactService) -> dict[str, dict[str, Any]]:
    return {item["custom_field_id"]: item for item in service.store.all(KIND)}


def fields_by_name(service: ConstantContactService) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in service.store.all(KIND)}


def numbered_choices(
    given: list[dict[str, Any]], field_id: str, now: str
) -> list[dict[str, Any]]:
    return [
        {
            "custom_field_id": field_id,
            "choice_id": index,
            "choice_label": choice["choice_label"],
            "display_order": choice.get("display_order", index),
            "created_at": now,
            "updated_at": now,
        }
        for index, choice in enumerate(given, start=1)
    ]


def create_field(
    service: ConstantContactService,
    data: dict[str, Any],
    field_id: str | None = None,
) -> dict[str, Any]:
    """Store a new custom field (also used by the seed)."""
    now = iso(service.now())
    field_id = field_id or str(uuid.uuid4())

    if data["type"] in SELECT_TYPES and not data.get("choices"):
        raise InvalidRequestError(
            ERROR_KEY, f"choices are required for type {data['type']}"
        )

    with service.store.transaction():
        existing = service.store.all(KIND)

        if len(existing) >= MAX_FIELDS:
            raise InvalidRequestError(
                ERROR_KEY,
                f"The account already holds {MAX_FIELDS} custom fields, the most "
                "allowed.",
            )

        if service.store.find(KIND, label_key(data["label"])) is not None:
            raise ConflictError(
                "contacts.api.conflict",
                f"A custom field labelled {data['label']!r} already exists.",
            )

        document: dict[str, Any] = {
            "custom_field_id": field_id,
            "label": data["label"],
            "name": system_name(data["label"], {item["name"] for item in existing}),
            "type": data["type"],
            "created_at": now,
            "updated_at": now,
        }

        if data.get("metadata"):
            document["metadata"] = data["metadata"]

        if data.get("version") is not None:
            document["version"] = data["version"]

        if data.get("choices"):
            document["choices"] = numbered_choices(data["choices"], field_id, now)

        service.store.insert(KIND, field_id, document, label_key(data["label"]))

    return document


def existing_field(call: Call) -> dict[str, Any]:
    field_id = call.path_params["custom_field_id"]
    document = call.store.get(KIND, field_id)

    if document is None:
        raise NotFoundError(
            NOT_FOUND_KEY, f"The custom field {field_id} was not found."
        )

    return document


@operation("GET", "/contact_custom_fields", scope="contact_data")
def get_fields(call: Call) -> Reply:
    cursor = decode_cursor(call.query, ERROR_KEY)
    limit = (
        cursor["limit"]
        if cursor
        else integer(call.query, "limit", ERROR_KEY, default=50, minimum=1, maximum=100)
    )
    after = cursor["after"] if cursor else 0
    page = call.store.page(KIND, after=after, limit=limit + 1)
    body: dict[str, Any] = {"custom_fields": [item for _, item in page[:limit]]}

    if len(page) > limit:
        next_cursor = encode_cursor({"after": page[limit - 1][0], "limit": limit})
        body["_links"] = {
            "next": {
                "href": call.href("/contact_custom_fields", {"cursor": next_cursor})
            }
        }

    return 200, body


@operation("POST", "/contact_custom_fields", scope="contact_data")
def post_field(call: Call) -> Reply:
    data = load(CustomFieldPost(), call.body)
    return 201, create_field(call.service, data)


@operation("GET", "/contact_custom_fields/{custom_field_id}", scope="contact_data")
def get_field(call: Call) -> Reply:
    return 200, existing_field(call)


@operation("PUT", "/contact_custom_fields/{custom_field_id}", scope="contact_data")
def put_field(call: Call) -> Reply:
    data = load(CustomFieldPut(), call.body)

    with call.store.transaction():
        document = existing_field(call)
        holder = call.store.find(KIND, label_key(data["label"]))

        if (
            holder is not None
            and holder["custom_field_id"] != document["custom_field_id"]
        ):
            raise ConflictError(
                "contacts.api.conflict",
                f"A custom field labelled {data['label']!r} already exists.",
            )

        now = iso(call.now())
        document["label"] = data["label"]
        document["updated_at"] = now
        document.pop("choices", None)

        if data.get("choices"):
            document["choices"] = numbered_choices(
                data["choices"], document["custom_field_id"], now
            )

        call.store.replace(
            KIND, document["custom_field_id"], document, label_key(data["label"])
        )

    return 200, document


@operation(
    "DELETE",
    "/contact_custom_fields/{custom_field_id}",
    scope="contact_data",
    body=False,
)
def delete_field(call: Call) -> Reply:
    document = existing_field(call)
    call.store.delete(KIND, document["custom_field_id"])
    return 204, None
