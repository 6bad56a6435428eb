"""Importing a send's recipients in chunks, each import started at most once.

Recipients go in chunks of 40,000 (Constant Contact's most per import); the bulk
import splits a chunk further when its body would pass 4 MB. Before the first import
the send notes the newest activity the account already had (the marker). Each
import's activity id is checkpointed the moment it is known. A resumed send hands the
bulk import `StartOnce`, which answers a start with the recorded activity instead of
posting the contacts again; an import that started but whose id never reached the
checkpoint (a crash in between) is found among the activities newer than the marker,
as the writer lease keeps any other pocc job from importing meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from pocc.constantcontact import ImportReport, import_contacts
from pocc.constantcontact.bulk_import import Poller

logger = logging.getLogger(__name__)

CHUNK_SIZE = 40_000
# How far back to look for an import whose id a crash kept from the checkpoint.
RECENT_ACTIVITIES = 50
# Only contact imports report how many people they touched.
_IMPORT_STATUS_KEY = "person_count"

Item = TypeVar("Item")


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)

    while chunk := list(islice(iterator, size)):
        yield chunk


def newest_activity_id(client: Any) -> str:
    """The marker: the newest activity before this send imports ("" if none)."""
    recent = client.recent_activities(limit=1)
    return str(recent[0].get("activity_id") or "") if recent else ""


def unrecorded_imports(client: Any, marker: str, recorded: Sequence[str]) -> list[str]:
    """Contact imports newer than `marker` that the checkpoint does not name, oldest
    first: imports this send started just before a crash."""
    found: list[str] = []

    for activity in client.recent_activities(limit=RECENT_ACTIVITIES):
        activity_id = str(activity.get("activity_id") or "")

        if activity_id == marker:
            break

        status = activity.get("status") or {}

        if activity_id not in recorded and _IMPORT_STATUS_KEY in status:
            found.append(activity_id)

    return list(reversed(found))


class StartOnce:
    """The activities client as the bulk import sees it, minus repeated starts.

    The n-th start of a chunk returns the n-th known activity of that chunk when
    there is one; otherwise it posts the import and reports the new id through
    `on_started` before anything else happens.
    """

    def __init__(
        self, client: Any, known: Sequence[str], on_started: Callable[[str], None]
    ) -> None:
        self._client = client
        self._known = list(known)
        self._on_started = on_started
        self._starts = 0

    def start_json_import(self, body: bytes) -> dict[str, Any]:
        number = self._starts
        self._starts += 1

        if number < len(self._known):
            activity_id = self._known[number]
            logger.info("import %s was started before; waiting for it", activity_id)
            return self._client.activity(activity_id)

        activity = self._client.start_json_import(body)
        self._on_started(str(activity.get("activity_id") or ""))
        return activity

    def activity(self, activity_id: str) -> dict[str, Any]:
        return self._client.activity(activity_id)


def import_chunk(
    client: Any,
    rows: Sequence[dict[str, Any]],
    list_id: str,
    known: Sequence[str],
    on_started: Callable[[str], None],
    poller: Poller | None = None,
) -> ImportReport:
    """Imports one chunk into the send's list; one outcome per row, in order."""
    starter = StartOnce(client, known, on_started)
    return import_contacts(starter, rows, [list_id], may_cut=("*",), poller=poller)


def not_added_to_list(report: ImportReport) -> int:
    """Contacts an import accepted but could not put on the list (unsubscribed)."""
    return sum(
        int(batch.status.get("cannot_add_to_list_count") or 0)
        for batch in report.batches
    )


def list_addresses(client: Any, list_id: str) -> set[str]:
    """The addresses on a Constant Contact list, lower-cased."""
    found: set[str] = set()

    for contact in client.contacts(lists=[list_id]):
        address = (contact.get("email_address") or {}).get("address")

        if address:
            found.add(str(address).strip().lower())

    return found
