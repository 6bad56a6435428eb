"""Bulk activities: the stored activity, its pending work and the queue.

An activity is two documents: `activity` is exactly what `GET /activities/{id}`
shows; `activity_work` holds the request and, once prepared, the items to process.
The `activity_queue` table lists the activities not yet finished, in order, with how
far each has got. More than `max_queued_activities` queued answers 429 (reference
notes, section 6.4).
"""

from __future__ import annotations

import uuid
from typing import Any

from .errors import ApiError
from .service import ConstantContactService
from .timestamps import iso

ACTIVITY_KIND = "activity"
WORK_KIND = "activity_work"

QUEUE_SCHEMA = """
CREATE TABLE IF NOT EXISTS activity_queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0
);
"""

# The counters each kind of activity reports under `status` when created (the
# spec's schema per operation); `GET /activities/{id}` adds the progress counts.
STATUS_FIELDS = {
    "contacts_json_import": (
        "items_total_count",
        "person_count",
        "error_count",
        "correctable_count",
        "cannot_add_to_list_count",
    ),
    "add_list_memberships": (
        "items_total_count",
        "items_completed_count",
        "list_count",
    ),
    "remove_list_memberships": (
        "items_total_count",
        "items_completed_count",
        "list_count",
    ),
    "contact_delete": ("items_total_count", "items_completed_count", "list_count"),
    "list_delete": ("list_count",),
}


def ensure_tables(service: ConstantContactService) -> None:
    service.store.ensure_tables(QUEUE_SCHEMA)


def queued_count(service: ConstantContactService) -> int:
    with service.store.reading() as connection:
        return int(
            connection.execute("SELECT COUNT(*) FROM activity_queue").fetchone()[0]
        )


def enqueue(
    service: ConstantContactService,
    activity_type: str,
    request: dict[str, Any],
    items: list[Any] | None = None,
) -> dict[str, Any]:
    """Store a new activity in state `initialized` and queue its work."""
    now = iso(service.now())
    activity_id = str(uuid.uuid4())
    activity: dict[str, Any] = {
        "activity_id": activity_id,
        "state": "initialized",
        "created_at": now,
        "updated_at": now,
        "percent_done": 0,
        "activity_errors": [],
        "status": dict.fromkeys(STATUS_FIELDS[activity_type], 0),
        "_links": {"self": {"href": service.href(f"/activities/{activity_id}")}},
    }
    work = {"type": activity_type, "request": request, "items": items}

    with service.store.transaction() as connection:
        if queued_count(service) >= service.settings["max_queued_activities"]:
            raise ApiError(
                429,
                "too_many_requests",
                "The account already has the most queued activities allowed.",
            )

        service.store.insert(ACTIVITY_KIND, activity_id, activity)
        service.store.insert(WORK_KIND, activity_id, work)
        connection.execute(
            "INSERT INTO activity_queue (activity_id) VALUES (?)", (activity_id,)
        )

    return activity


def next_queued(service: ConstantContactService) -> tuple[str, int] | None:
    with service.store.reading() as connection:
        row = connection.execute(
            "SELECT activity_id, position FROM activity_queue ORDER BY seq LIMIT 1"
        ).fetchone()

    return (row["activity_id"], row["position"]) if row else None


def set_position(
    service: ConstantContactService, activity_id: str, position: int
) -> None:
    with service.store.transaction() as connection:
        connection.execute(
            "UPDATE activity_queue SET position = ? WHERE activity_id = ?",
            (position, activity_id),
        )


def finish(service: ConstantContactService, activity_id: str) -> None:
    with service.store.transaction() as connection:
        connection.execute(
            "DELETE FROM activity_queue WHERE activity_id = ?", (activity_id,)
        )
        service.store.delete(WORK_KIND, activity_id)
