"""Contact lists: `GET/POST /contact_lists`, `GET/PUT/DELETE /contact_lists/{list_id}`.

An account holds at most 1,000 lists, with unique names (compared without regard to
case). Deleting a list is asynchronous: the answer is 202 with a `list_delete`
activity, and the list is marked deleted when the activity runs. Members are counted
from `list_memberships` (`include_membership_count=all|active`).
"""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from . import activities_queue, contact_records
from .contact_schemas import ERROR_KEY, Lenient, load, text
from .errors import ConflictError, InvalidRequestError, NotFoundError
from .params import boolean, decode_cursor, encode_cursor, enum_value, integer
from .routing import Call, Reply, operation
from .service import ConstantContactService
from .timestamps import iso

KIND = "contact_list"
MAX_LISTS = 1_000
NOT_FOUND_KEY = "contacts.api.not_found"


class ListInput(Lenient):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    favorite = fields.Boolean(truthy={True}, falsy={False})
    description = text(255)


def name_key(name: str) -> str:
    return name.strip().lower()


def create_list(
    service: ConstantContactService,
    name: str,
    description: str | None = None,
    favorite: bool = False,
    list_id: str | None = None,
) -> dict[str, Any]:
    """Store a new list (also used by the seed); refuses a taken name or list 1,001."""
    now = iso(service.now())
    document: dict[str, Any] = {
        "list_id": list_id or str(uuid.uuid4()),
        "name": name,
        "favorite": favorite,
        "created_at": now,
        "updated_at": now,
    }

    if description is not None:
        document["description"] = description

    with service.store.transaction():
        if active_list_count(service) >= MAX_LISTS:
            raise InvalidRequestError(
                ERROR_KEY,
                f"The account already holds {MAX_LISTS} lists, the most allowed.",
            )

        if service.store.find(KIND, name_key(name)) is not None:
            raise ConflictError(
                "contacts.api.conflict", f"A list named {name!r} already exists."
            )

        service.store.insert(KIND, document["list_id"], document, name_key(name))

    return document


def active_list_count(service: ConstantContactService) -> int:
    """Deleted lists give up their name key (so the name can be used again), so
    the lists holding one are exactly the active ones."""
    return service.store.count(KIND, keyed_only=True)


def existing_list(service: ConstantContactService, list_id: str) -> dict[str, Any]:
    document = service.store.get(KIND, list_id)

    if document is None:
        raise NotFoundError(NOT_FOUND_KEY, f"The list {list_id} was not found.")

    return document


def live_list_ids(service: ConstantContactService) -> set[str]:
    return {
        item["list_id"] for item in service.store.all(KIND) if "deleted_at" not in item
    }


def mark_deleted(service: ConstantContactService, list_id: str) -> bool:
    """Delete a list (the `list_delete` activity's work); False if already gone."""
    with service.store.transaction():
        document = service.store.get(KIND, list_id)

        if document is None or "deleted_at" in document:
            return False

        now = iso(service.now())
        document["deleted_at"] = now
        document["updated_at"] = now
        # A deleted list frees its name for a new one.
        service.store.replace(KIND, list_id, document, None)
        contact_records.delete_list_memberships(service.store, list_id)

    return True


def with_counts(
    documents: list[dict[str, Any]], counts: dict[str, int] | None
) -> list[dict[str, Any]]:
    if counts is None:
        return documents

    return [
        {**item, "membership_count": counts.get(item["list_id"], 0)}
        for item in documents
    ]


def membership_counts(call: Call) -> dict[str, int] | None:
    wanted = enum_value(
        call.query, "include_membership_count", ("all", "active"), ERROR_KEY
    )

    if wanted is None:
        return None

    return contact_records.membership_counts(call.store, active_only=wanted == "active")


@operation("GET", "/contact_lists", scope="contact_data")
def get_lists(call: Call) -> Reply:
    cursor = decode_cursor(call.query, ERROR_KEY)
    query = call.query if cursor is None else cursor_query(cursor)
    # The spec's schema allows 1000, its text and the notes (section 8.3) say 500.
    limit = integer(query, "limit", ERROR_KEY, default=50, minimum=1, maximum=500)
    status = enum_value(
        query, "status", ("all", "active", "deleted"), ERROR_KEY, "active"
    )
    enum_value(query, "channel_type", ("email", "sms"), ERROR_KEY)
    include_count = boolean(query, "include_count", ERROR_KEY)
    boolean(query, "include_sms_membership_count", ERROR_KEY)
    counts = membership_counts(call) if cursor is None else None
    after = cursor["after"] if cursor else 0

    matching = [
        (position, item)
        for position, item in call.store.page(KIND)
        if matches(item, status, query.get("name"))
    ]
    page = [entry for entry in matching if entry[0] > after][:limit]
    body: dict[str, Any] = {"lists": with_counts([item for _, item in page], counts)}

    if include_count:
        body["lists_count"] = len(matching)

    if page and page[-1][0] != matching[-1][0]:
        body["_links"] = {"next": {"href": next_href(call, query, page[-1][0])}}

    return 200, body


def matches(document: dict[str, Any], status: str | None, name: str | None) -> bool:
    deleted = "deleted_at" in document

    if (status == "active" and deleted) or (status == "deleted" and not deleted):
        return False

    return name is None or document["name"] == name


def cursor_query(cursor: dict[str, Any]) -> MultiDict[str, str]:
    return MultiDict(cursor.get("query", []))


def next_href(call: Call, query: Any, after: int) -> str:
    carried = [
        (key, value) for key, value in query.items(multi=True) if key != "cursor"
    ]
    cursor = encode_cursor({"after": after, "query": carried})
    return call.href(call.operation.template, {"cursor": cursor})


@operation("POST", "/contact_lists", scope="contact_data")
def post_list(call: Call) -> Reply:
    data = load(ListInput(), call.body)
    document = create_list(
        call.service,
        data["name"],
        description=data.get("description"),
        favorite=data.get("favorite", False),
    )
    return 201, document


@operation("GET", "/contact_lists/{list_id}", scope="contact_data")
def get_list(call: Call) -> Reply:
    document = existing_list(call.service, call.path_params["list_id"])
    counts = membership_counts(call)
    return 200, with_counts([document], counts)[0]


@operation("PUT", "/contact_lists/{list_id}", scope="contact_data")
def put_list(call: Call) -> Reply:
    list_id = call.path_params["list_id"]
    data = load(ListInput(), call.body)

    with call.store.transaction():
        document = existing_list(call.service, list_id)
        holder = call.store.find(KIND, name_key(data["name"]))

        if holder is not None and holder["list_id"] != list_id:
            raise InvalidRequestError(
                ERROR_KEY, f"A list named {data['name']!r} already exists."
            )

        document.update(
            name=data["name"],
            favorite=data.get("favorite", False),
            updated_at=iso(call.now()),
        )
        document.pop("description", None)

        if data.get("description") is not None:
            document["description"] = data["description"]

        key = None if "deleted_at" in document else name_key(data["name"])
        call.store.replace(KIND, list_id, document, key)

    return 200, document


@operation("DELETE", "/contact_lists/{list_id}", scope="contact_data", body=False)
def delete_list(call: Call) -> Reply:
    list_id = call.path_params["list_id"]
    document = existing_list(call.service, list_id)

    if "deleted_at" in document:
        raise NotFoundError(NOT_FOUND_KEY, f"The list {list_id} was not found.")

    activity = activities_queue.enqueue(
        call.service, "list_delete", {"list_ids": [list_id]}
    )
    body = {
        key: activity[key]
        for key in (
            "activity_id",
            "state",
            "created_at",
            "updated_at",
            "percent_done",
            "activity_errors",
        )
    }
    body["_links"] = {"self": activity["_links"]["self"]}
    return 202, body, {"Location": activity["_links"]["self"]["href"]}
