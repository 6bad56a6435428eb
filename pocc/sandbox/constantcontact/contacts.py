"""Contacts: `GET/POST /contacts`, `GET/PUT/DELETE /contacts/{contact_id}`, and
`POST /contacts/sign_up_form`.

Sub-resources appear only when `include` names them, as the real API does. Deleting
a contact marks it deleted (it can be revived by PUT or the sign-up form) and takes
it off its lists.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from werkzeug.datastructures import MultiDict

from . import contact_records
from . import custom_fields as custom_field_module
from .contact_changes import apply_post, apply_put, apply_sign_up
from .contact_schemas import ERROR_KEY, ContactPost, ContactPut, SignUpForm, load
from .errors import ConflictError, InvalidRequestError, NotFoundError
from .params import (
    boolean,
    csv_values,
    decode_cursor,
    encode_cursor,
    integer,
    timestamp,
)
from .routing import Call, Reply, operation
from .service import ConstantContactService
from .timestamps import iso

NOT_FOUND_KEY = "contacts.api.not_found"
CONFLICT_KEY = "contacts.api.conflict"
INCLUDES = (
    "custom_fields",
    "list_memberships",
    "phone_numbers",
    "street_addresses",
    "taggings",
    "notes",
)
SMS_STATUSES = ("all", "explicit", "unsubscribed", "pending_confirmation", "not_set")
STATUSES = (
    "all",
    "active",
    "deleted",
    "not_set",
    "pending_confirmation",
    "temp_hold",
    "unsubscribed",
)


def render(
    service: ConstantContactService, contact: dict[str, Any], include: list[str]
) -> dict[str, Any]:
    """The resource as the API shows it: sub-resources only when included."""
    shown = {key: value for key, value in contact.items() if key not in INCLUDES}

    if "deleted_at" in shown:
        shown["deleted_at"] = shown["deleted_at"][:10]

    for name in include:
        if name == "list_memberships":
            shown[name] = contact_records.memberships(
                service.store, contact["contact_id"]
            )
        elif name == "custom_fields":
            known = custom_field_module.fields_by_id(service)
            shown[name] = [
                item
                for item in contact.get(name, [])
                if item["custom_field_id"] in known
            ]
        else:
            shown[name] = contact.get(name, [])

    return shown


def existing_contact(call: Call) -> dict[str, Any]:
    contact_id = call.path_params["contact_id"]
    contact = contact_records.get(call.store, contact_id)

    if contact is None:
        raise NotFoundError(NOT_FOUND_KEY, f"The contact {contact_id} was not found.")

    return contact


def refuse_taken_email(call: Call, contact: dict[str, Any]) -> None:
    """409 naming the holder, which integrations parse to fall back to PUT."""
    key = contact_records.email_key(contact)

    if key is None:
        return

    holder = contact_records.find_by_email(call.store, key)

    if holder is not None and holder["contact_id"] != contact["contact_id"]:
        raise ConflictError(
            CONFLICT_KEY, f"Email already exists for contact {holder['contact_id']}"
        )


def replace_memberships(
    call: Call, contact_id: str, list_ids: list[str], now: str
) -> None:
    contact_records.remove_memberships(call.store, contact_id)
    contact_records.add_memberships(call.store, contact_id, list_ids, now)


@operation("POST", "/contacts", scope="contact_data")
def post_contact(call: Call) -> Reply:
    data = load(ContactPost(), call.body)
    now = iso(call.now())
    contact, list_ids = apply_post(call.service, data, now)

    try:
        with call.store.transaction():
            refuse_taken_email(call, contact)
            contact_records.insert(call.store, contact)
            replace_memberships(call, contact["contact_id"], list_ids, now)
    except sqlite3.IntegrityError as error:
        raise ConflictError(
            CONFLICT_KEY, "Email already exists for another contact"
        ) from error

    return 201, render(call.service, contact, list(INCLUDES))


@operation("GET", "/contacts/{contact_id}", scope="contact_data")
def get_contact(call: Call) -> Reply:
    include = csv_values(call.query, "include", ERROR_KEY, allowed=INCLUDES)
    return 200, render(call.service, existing_contact(call), include)


@operation("PUT", "/contacts/{contact_id}", scope="contact_data")
def put_contact(call: Call) -> Reply:
    data = load(ContactPut(), call.body)
    now = iso(call.now())

    with call.store.transaction():
        current = existing_contact(call)
        contact, list_ids = apply_put(call.service, current, data, now)
        refuse_taken_email(call, contact)
        contact_records.save(call.store, contact)

        if list_ids is not None:
            replace_memberships(call, contact["contact_id"], list_ids, now)

    return 200, render(call.service, contact, list(INCLUDES))


@operation("DELETE", "/contacts/{contact_id}", scope="contact_data", body=False)
def delete_contact(call: Call) -> Reply:
    with call.store.transaction():
        contact = existing_contact(call)

        if "deleted_at" in contact:
            raise NotFoundError(
                NOT_FOUND_KEY, f"The contact {contact['contact_id']} was not found."
            )

        mark_deleted(call.service, contact)

    return 204, None


def mark_deleted(service: ConstantContactService, contact: dict[str, Any]) -> None:
    """Delete a contact (also the `contact_delete` activity's work)."""
    now = iso(service.now())
    contact["deleted_at"] = now
    contact["updated_at"] = now
    contact_records.save(service.store, contact)
    contact_records.remove_memberships(service.store, contact["contact_id"])


@operation("POST", "/contacts/sign_up_form", scope="contact_data")
def sign_up_form(call: Call) -> Reply:
    data = load(SignUpForm(), call.body)
    now = iso(call.now())

    with call.store.transaction():
        current = None

        if data.get("email_address"):
            current = contact_records.find_by_email(call.store, data["email_address"])

        contact = apply_sign_up(call.service, current, data, now)

        if current is None:
            contact_records.insert(call.store, contact)
        else:
            contact_records.save(call.store, contact)

        refused = contact_records.add_memberships(
            call.store, contact["contact_id"], data["list_memberships"], now
        )

        if refused:
            raise InvalidRequestError(
                ERROR_KEY,
                f"A contact can be a member of at most "
                f"{contact_records.MAX_LISTS_PER_CONTACT} lists.",
            )

    if current is None:
        return 201, {"contact_id": contact["contact_id"], "action": "created"}

    return 200, {"contact_id": contact["contact_id"], "action": "updated"}


@operation("GET", "/contacts", scope="contact_data")
def get_contacts(call: Call) -> Reply:
    cursor = decode_cursor(call.query, ERROR_KEY)
    query = call.query if cursor is None else MultiDict(cursor["query"])
    limit = integer(query, "limit", ERROR_KEY, default=50, minimum=1, maximum=500)
    include = csv_values(query, "include", ERROR_KEY, allowed=INCLUDES)
    include_count = boolean(query, "include_count", ERROR_KEY)
    filters = contact_filters(query)
    after = cursor["after"] if cursor else 0

    rows = contact_records.search(call.store, filters, after, limit + 1)
    body: dict[str, Any] = {
        "contacts": [
            render(call.service, contact, include) for _, contact in rows[:limit]
        ]
    }

    if include_count:
        body["contacts_count"] = contact_records.count(call.store, filters)

    if len(rows) > limit:
        carried = [(k, v) for k, v in query.items(multi=True) if k != "cursor"]
        next_cursor = encode_cursor({"after": rows[limit - 1][0], "query": carried})
        body["_links"] = {
            "next": {"href": call.href("/contacts", {"cursor": next_cursor})}
        }

    return 200, body


def contact_filters(query: MultiDict[str, str]) -> contact_records.ContactQuery:
    filters = contact_records.ContactQuery()
    statuses = csv_values(query, "status", ERROR_KEY, allowed=STATUSES) or ["default"]
    status_filter(filters, statuses)

    if query.get("email") is not None:
        filters.where("email_key = ?", query["email"].lower())

    lists = csv_values(query, "lists", ERROR_KEY, max_items=25)

    if lists:
        members = " ".join(
            [
                "contact_id IN (SELECT contact_id FROM list_memberships",
                "WHERE list_id IN",
                contact_records.marks(lists),
                ")",
            ]
        )
        filters.where(members, *lists)

    date_filter(filters, query, "updated_after", "updated_at >= ?")
    date_filter(filters, query, "updated_before", "updated_at < ?")
    date_filter(filters, query, "created_after", "created_at >= ?")
    date_filter(filters, query, "created_before", "created_at < ?")
    date_filter(filters, query, "optout_after", "opt_out_at >= ?")
    date_filter(filters, query, "optout_before", "opt_out_at < ?")

    csv_values(query, "sms_status", ERROR_KEY, allowed=SMS_STATUSES)
    segment = query.get("segment_id")

    if segment is not None and not segment.isdigit():
        raise InvalidRequestError(ERROR_KEY, "segment_id must be one segment id")

    # The account has no segments, so any segment id names nothing.
    if segment is not None:
        raise NotFoundError(NOT_FOUND_KEY, f"The segment {segment} was not found.")

    tags = csv_values(query, "tags", ERROR_KEY, max_items=50)

    for tag in tags:
        filters.where("body LIKE ?", f'%"{tag}"%')

    return filters


def status_filter(filters: contact_records.ContactQuery, statuses: list[str]) -> None:
    """`status` values combine with OR; without it, every contact not deleted."""
    if "all" in statuses:
        return

    parts: list[str] = []
    values: list[str] = []

    for status in statuses:
        if status == "default":
            parts.append("deleted_at IS NULL")
        elif status == "deleted":
            parts.append("deleted_at IS NOT NULL")
        elif status == "active":
            parts.append(
                "(deleted_at IS NULL AND permission IN ('explicit', 'implicit'))"
            )
        else:
            parts.append("(deleted_at IS NULL AND permission = ?)")
            values.append(status)

    filters.where("(" + " OR ".join(parts) + ")", *values)


def date_filter(
    filters: contact_records.ContactQuery,
    query: MultiDict[str, str],
    name: str,
    condition: str,
) -> None:
    moment = timestamp(query, name, ERROR_KEY)

    if moment is not None:
        filters.where(condition, iso(moment))
