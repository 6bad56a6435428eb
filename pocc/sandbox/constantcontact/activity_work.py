"""What each kind of bulk activity does to the account, item by item.

`prepare` turns the request into the list of items (done once, when processing
starts, so that an activity sees the account as it is then); `process` handles a
chunk of them and updates the activity's counts and `activity_errors`.
"""

from __future__ import annotations

from typing import Any

from . import contact_records
from . import custom_fields as custom_field_module
from . import lists as list_module
from .contacts import mark_deleted
from .import_rows import import_row
from .service import ConstantContactService
from .timestamps import iso


def prepare(
    service: ConstantContactService, work: dict[str, Any], activity: dict[str, Any]
) -> list[Any]:
    request = work["request"]
    kind = work["type"]

    if kind == "contacts_json_import":
        activity["status"]["list_count"] = len(request["list_ids"])
        return last_row_per_contact(request["import_data"])

    if kind in ("add_list_memberships", "remove_list_memberships"):
        activity["status"]["list_count"] = len(request["list_ids"])
        return source_contacts(service, request)

    if kind == "contact_delete":
        if request.get("list_ids"):
            return contact_records.member_ids(service.store, request["list_ids"])

        return list(dict.fromkeys(request.get("contact_ids", [])))

    if kind == "list_delete":
        activity["status"]["list_count"] = len(request["list_ids"])
        return list(dict.fromkeys(request["list_ids"]))

    raise ValueError(f"unknown activity type {kind}")


def last_row_per_contact(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows keyed by email: a later row for the same address replaces an earlier
    one (the real service keeps the last). Each item keeps its row number."""
    chosen: dict[str, list[Any]] = {}

    for number, row in enumerate(rows, start=1):
        address = row.get("email") if isinstance(row, dict) else None
        key = address.lower() if isinstance(address, str) and address else f"#{number}"
        chosen.pop(key, None)
        chosen[key] = [number, row]

    return list(chosen.values())


def source_contacts(
    service: ConstantContactService, request: dict[str, Any]
) -> list[str]:
    source = request["source"]
    excluded = set((request.get("exclude") or {}).get("contact_ids", []))

    if source.get("contact_ids"):
        ids = list(dict.fromkeys(source["contact_ids"]))
    elif source.get("list_ids"):
        ids = contact_records.member_ids(service.store, source["list_ids"])
    else:
        filters = contact_records.ContactQuery()
        filters.where("deleted_at IS NULL AND permission IN ('explicit', 'implicit')")
        ids = [
            contact["contact_id"]
            for _, contact in contact_records.search(service.store, filters, 0, 10**9)
        ]

    return [contact_id for contact_id in ids if contact_id not in excluded]


def process(
    service: ConstantContactService,
    work: dict[str, Any],
    activity: dict[str, Any],
    chunk: list[Any],
    position: int,
) -> None:
    request = work["request"]
    kind = work["type"]
    now = iso(service.now())

    known_fields = custom_field_module.fields_by_name(service)

    for item in chunk:
        if kind == "contacts_json_import":
            import_row(
                service,
                request["list_ids"],
                item[0],
                item[1],
                activity,
                now,
                known_fields,
            )
        elif kind == "add_list_memberships":
            add_to_lists(service, request["list_ids"], item, activity, now)
        elif kind == "remove_list_memberships":
            contact_records.remove_memberships(service.store, item, request["list_ids"])
        elif kind == "contact_delete":
            delete_contact(service, item, activity)
        elif kind == "list_delete" and not list_module.mark_deleted(service, item):
            activity["activity_errors"].append(f"List {item} was not found.")


def add_to_lists(
    service: ConstantContactService,
    list_ids: list[str],
    contact_id: str,
    activity: dict[str, Any],
    now: str,
) -> None:
    contact = contact_records.get(service.store, contact_id)

    if contact is None or "deleted_at" in contact:
        activity["activity_errors"].append(f"Contact {contact_id} was not found.")
        return

    refused = contact_records.add_memberships(service.store, contact_id, list_ids, now)

    if refused:
        activity["activity_errors"].append(
            f"Contact {contact_id} is already a member of "
            f"{contact_records.MAX_LISTS_PER_CONTACT} lists."
        )


def delete_contact(
    service: ConstantContactService, contact_id: str, activity: dict[str, Any]
) -> None:
    contact = contact_records.get(service.store, contact_id)

    if contact is None:
        activity["activity_errors"].append(f"Contact {contact_id} was not found.")
        return

    if "deleted_at" not in contact:
        mark_deleted(service, contact)
