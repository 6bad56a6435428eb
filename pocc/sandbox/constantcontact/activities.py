"""Bulk activities: the five POSTs this sandbox runs, and `GET /activities[/{id}]`.

Each POST checks its request, queues the work (`activities_queue.enqueue`, which
answers 429 past 1,000 queued activities) and answers 201 with the activity in state
`initialized`; `activities_worker` does the work in the background.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates_schema

from . import activities_queue
from . import lists as list_module
from .activities_queue import ACTIVITY_KIND
from .contact_schemas import ERROR_KEY, Lenient, load
from .errors import InvalidRequestError, NotFoundError
from .params import decode_cursor, encode_cursor, enum_value, integer
from .routing import Call, Reply, operation

MAX_IMPORT_CONTACTS = 40_000
# Only the first 4 MB of an import is read; rows beyond it are dropped unreported.
MAX_IMPORT_BYTES = 4 * 1024 * 1024
STATES = ("processing", "completed", "cancelled", "failed", "timed_out")


def ids(maximum: int, **options: Any) -> fields.List:
    return fields.List(
        fields.String(), validate=validate.Length(max=maximum), **options
    )


class JsonImport(Lenient):
    import_data = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, max=MAX_IMPORT_CONTACTS),
    )
    list_ids = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=50)
    )
    sms_permission_to_send = fields.String()


class MembershipSource(Lenient):
    list_ids = ids(50)
    contact_ids = ids(500)
    all_active_contacts = fields.Boolean(truthy={True}, falsy={False})
    tag_ids = ids(50)
    engagement_level = fields.String()
    segment_id = fields.Integer(strict=True)

    @validates_schema
    def exactly_one(self, data: dict[str, Any], **_: Any) -> None:
        given = [name for name, value in data.items() if value not in (None, False, [])]

        if len(given) != 1:
            raise SchemaError("source must name exactly one kind of source", "source")


class Exclude(Lenient):
    contact_ids = ids(500)


class MembershipChange(Lenient):
    # The spec gives remove_list_memberships `maxItems: 0` on these arrays, which
    # is a copy error; its text (and the notes, section 8.4) say 50 lists and 500
    # contacts, which both operations follow here.
    source = fields.Nested(MembershipSource, required=True)
    list_ids = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=50)
    )
    exclude = fields.Nested(Exclude)


class ContactDelete(Lenient):
    contact_ids = ids(500)
    list_ids = ids(50)

    @validates_schema
    def one_of_them(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("contact_ids")) == bool(data.get("list_ids")):
            raise SchemaError("send contact_ids or list_ids, not both", "contact_ids")


class ListDelete(Lenient):
    list_ids = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=100)
    )


# JsonImportContact: every field is text of at most this length, except the two
# birthday numbers. Unknown keys are ignored; `cf:` keys are custom field values.
ROW_TEXT_FIELDS = {
    "email": 50,
    "first_name": 50,
    "last_name": 50,
    "job_title": 50,
    "company_name": 50,
    "anniversary": None,
    "sms_number": 16,
    "sms_consent_date": 16,
    **dict.fromkeys(("phone", "home_phone", "work_phone", "mobile_phone"), 50),
    "other_phone": 50,
    **{
        prefix + part: 255 if part.startswith("street") else 50
        for prefix in ("", "home_", "work_", "other_")
        for part in ("street", "street2", "city", "state", "zip", "country")
    },
}
ROW_NUMBER_FIELDS = ("birthday_month", "birthday_day")


def check_rows(rows: list[Any]) -> None:
    """The schema's types and lengths, checked before the import is queued; rules
    about values (a malformed address, say) are the activity's to report."""
    for index, row in enumerate(rows):
        where = f"import_data[{index}]"

        if not isinstance(row, dict):
            raise InvalidRequestError(ERROR_KEY, f"{where} must be an object")

        for key, value in row.items():
            check_row_value(where, key, value)


def check_row_value(where: str, key: str, value: Any) -> None:
    if key in ROW_NUMBER_FIELDS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidRequestError(ERROR_KEY, f"{where}.{key} must be an integer")
        return

    maximum = 255 if key.startswith("cf:") else ROW_TEXT_FIELDS.get(key, 0)

    if key not in ROW_TEXT_FIELDS and not key.startswith("cf:"):
        return

    if not isinstance(value, str):
        raise InvalidRequestError(ERROR_KEY, f"{where}.{key} must be a string")

    if maximum and len(value) > maximum:
        raise InvalidRequestError(
            ERROR_KEY, f"{where}.{key} is longer than {maximum} characters"
        )


def require_lists(call: Call, list_ids: list[str]) -> None:
    unknown = sorted(set(list_ids) - list_module.live_list_ids(call.service))

    if unknown:
        raise InvalidRequestError(
            ERROR_KEY, f"list_ids holds unknown lists: {', '.join(unknown)}"
        )


def first_four_megabytes(rows: list[Any]) -> list[Any]:
    kept, size = [], len(b'{"import_data":[')

    for row in rows:
        size += len(json.dumps(row).encode()) + 1

        if size > MAX_IMPORT_BYTES:
            break

        kept.append(row)

    return kept


def created(activity: dict[str, Any]) -> Reply:
    return 201, activity


@operation("POST", "/activities/contacts_json_import", scope="contact_data")
def contacts_json_import(call: Call) -> Reply:
    data = load(JsonImport(), call.body)
    check_rows(data["import_data"])
    require_lists(call, data["list_ids"])
    request = {
        "import_data": first_four_megabytes(data["import_data"]),
        "list_ids": list(dict.fromkeys(data["list_ids"])),
    }
    return created(
        activities_queue.enqueue(call.service, "contacts_json_import", request)
    )


@operation("POST", "/activities/add_list_memberships", scope="contact_data")
def add_list_memberships(call: Call) -> Reply:
    data = load(MembershipChange(), call.body)
    require_lists(call, data["list_ids"] + data["source"].get("list_ids", []))
    return created(activities_queue.enqueue(call.service, "add_list_memberships", data))


@operation("POST", "/activities/remove_list_memberships", scope="contact_data")
def remove_list_memberships(call: Call) -> Reply:
    data = load(MembershipChange(), call.body)
    require_lists(call, data["list_ids"])
    return created(
        activities_queue.enqueue(call.service, "remove_list_memberships", data)
    )


@operation("POST", "/activities/contact_delete", scope="contact_data")
def contact_delete(call: Call) -> Reply:
    data = load(ContactDelete(), call.body)

    if data.get("list_ids"):
        require_lists(call, data["list_ids"])

    return created(activities_queue.enqueue(call.service, "contact_delete", data))


@operation("POST", "/activities/list_delete", scope="contact_data")
def list_delete(call: Call) -> Reply:
    data = load(ListDelete(), call.body)
    require_lists(call, data["list_ids"])
    return created(activities_queue.enqueue(call.service, "list_delete", data))


@operation("GET", "/activities/{activity_id}", scope="contact_data")
def get_activity(call: Call) -> Reply:
    activity_id = call.path_params["activity_id"]
    activity = call.store.get(ACTIVITY_KIND, activity_id)

    if activity is None:
        raise NotFoundError(
            "activities.api.not_found", f"The activity {activity_id} was not found."
        )

    return 200, activity


@operation("GET", "/activities", scope="contact_data")
def get_activities(call: Call) -> Reply:
    """Newest first, optionally of one state, in pages of `limit`."""
    cursor = decode_cursor(call.query, ERROR_KEY)
    limit = (
        cursor["limit"]
        if cursor
        else integer(call.query, "limit", ERROR_KEY, default=50, minimum=1, maximum=500)
    )
    state = (
        cursor.get("state")
        if cursor
        else enum_value(call.query, "state", STATES, ERROR_KEY)
    )
    offset = cursor["offset"] if cursor else 0

    matching = [
        activity
        for activity in reversed(call.store.all(ACTIVITY_KIND))
        if state is None or activity["state"] == state
    ]
    body: dict[str, Any] = {"activities": matching[offset : offset + limit]}

    if offset + limit < len(matching):
        next_cursor = encode_cursor(
            {"offset": offset + limit, "limit": limit, "state": state}
        )
        body["_links"] = {
            "next": {"href": call.href("/activities", {"cursor": next_cursor})}
        }

    return 200, body
