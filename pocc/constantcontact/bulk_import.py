"""Importing contacts in bulk: split into imports that respect every limit, run them,
wait for them, and say what happened to each contact.

One `POST /activities/contacts_json_import` takes at most 40,000 contacts and 50
lists, and its body must stay under 4 MB: the service silently drops whatever lies
beyond (reference notes, 6.4). pocc measures the exact bytes it sends, stays under
4,000,000 (below 4 MB however it is counted), and starts a new import when either
limit would be passed. A contact can be in at most 50 lists, so an import naming
more is refused before anything is sent. Each activity is polled with backoff until
it ends; the errors it reports (`activity_errors`, "Row N: ...") are handed back on
the contacts they concern.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pocc.constantcontact.activities import FINAL_STATES, MAX_LISTS, ActivitiesApi
from pocc.constantcontact.import_checks import check_row
from pocc.errors import ConstantContactError, ServiceUnavailableError
from pocc.redaction import mask_email, redact

logger = logging.getLogger(__name__)

MAX_CONTACTS = 40_000
MAX_BODY_BYTES = 4_000_000
_ROW_ERROR = re.compile(r"^\s*(?:row|line)\s+(\d+)\s*[:.-]\s*(.*)$", re.IGNORECASE)


class Status(Enum):
    IMPORTED = "imported"
    # The activity ran and reported an error for this contact (see `errors`).
    REPORTED = "reported"
    # pocc did not send it: a value breaks a limit (see `errors`).
    REFUSED = "refused"
    # The import that carried it failed or could not be started.
    FAILED = "failed"


@dataclass
class ContactOutcome:
    index: int
    email: str = field(repr=False)
    status: Status = Status.IMPORTED
    errors: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    activity_ids: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"ContactOutcome({self.index}, {mask_email(self.email)}, "
            f"{self.status.value}, errors={self.errors})"
        )


@dataclass
class ImportBatch:
    """One import request: which contacts it carries and how it ended."""

    list_ids: list[str]
    indexes: list[int]
    body: bytes = field(repr=False)
    activity_id: str | None = None
    state: str = "not started"
    status: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[ContactOutcome]
    batches: list[ImportBatch]

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)


@dataclass
class Poller:
    """How often to ask after an activity: backoff from `first` up to `longest`."""

    first: float = 0.5
    longest: float = 30.0
    give_up_after: float = 4 * 3600.0
    sleep: Callable[[float], None] = time.sleep


def plan_batches(
    rows: Sequence[tuple[int, dict[str, Any]]],
    list_ids: Sequence[str],
    max_contacts: int = MAX_CONTACTS,
    max_bytes: int = MAX_BODY_BYTES,
) -> list[ImportBatch]:
    """Imports that carry every row once, each within both limits."""
    unique_lists = list(dict.fromkeys(list_ids))

    # A contact can belong to at most 50 lists, so more cannot be reached by
    # splitting: the caller must choose.
    if not unique_lists or len(unique_lists) > MAX_LISTS:
        raise ValueError(
            f"an import takes 1 to {MAX_LISTS} lists, not {len(unique_lists)}"
        )

    encoded = [(index, _encode(row)) for index, row in rows]
    return _split(encoded, unique_lists, max_contacts, max_bytes)


def import_contacts(
    client: ActivitiesApi,
    contacts: Sequence[Mapping[str, Any]],
    list_ids: Sequence[str],
    *,
    may_cut: Collection[str] = (),
    poller: Poller | None = None,
    max_contacts: int = MAX_CONTACTS,
    max_bytes: int = MAX_BODY_BYTES,
) -> ImportReport:
    """Imports `contacts` (JSON import rows: email, first_name, cf:<name>...) into
    `list_ids`; one outcome per contact, in the caller's order.

    `may_cut` names the fields the caller's mapping allows to be shortened to fit
    (`"*"` for all but the address); any other too-long value refuses its contact.
    """
    outcomes, rows = _checked(contacts, may_cut)
    batches = plan_batches(rows, list_ids, max_contacts, max_bytes)
    logger.info(
        "importing %s contacts in %s imports; %s refused before sending",
        len(rows),
        len(batches),
        len(contacts) - len(rows),
    )

    for batch in batches:
        _start(client, batch)

    _wait(client, [batch for batch in batches if batch.activity_id], poller or Poller())

    for batch in batches:
        _record(batch, outcomes)

    report = ImportReport(outcomes, batches)
    logger.info(
        "import finished: %s imported, %s with errors, %s refused, %s failed",
        report.count(Status.IMPORTED),
        report.count(Status.REPORTED),
        report.count(Status.REFUSED),
        report.count(Status.FAILED),
    )
    return report


def _checked(
    contacts: Sequence[Mapping[str, Any]], may_cut: Collection[str]
) -> tuple[list[ContactOutcome], list[tuple[int, dict[str, Any]]]]:
    outcomes: list[ContactOutcome] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}

    for index, contact in enumerate(contacts):
        checked = check_row(contact, may_cut)
        email = str(contact.get("email") or "")
        outcome = ContactOutcome(index, email, truncated=checked.truncated)
        outcomes.append(outcome)
        key = email.strip().lower()

        # The service keeps only the last row of an address; pocc keeps the first
        # and says why the others were not sent.
        if checked.ok and key in seen:
            checked.problems.append(f"same email address as contact {seen[key]}")

        if not checked.ok:
            outcome.status = Status.REFUSED
            outcome.errors = checked.problems
            continue

        seen[key] = index
        rows.append((index, checked.row))

    return outcomes, rows


def _encode(row: dict[str, Any]) -> bytes:
    # ASCII escapes and the standard separators: the bytes counted are the bytes
    # sent, and no more than a service re-serialising the rows would count.
    return json.dumps(row, ensure_ascii=True).encode("ascii")


def _split(
    encoded: list[tuple[int, bytes]],
    list_ids: list[str],
    max_contacts: int,
    max_bytes: int,
) -> list[ImportBatch]:
    prefix = b'{"import_data":['
    suffix = b'],"list_ids":' + _encode_list(list_ids) + b"}"
    batches: list[ImportBatch] = []
    indexes: list[int] = []
    parts: list[bytes] = []
    size = len(prefix) + len(suffix)

    def close() -> None:
        body = prefix + b",".join(parts) + suffix
        batches.append(ImportBatch(list(list_ids), list(indexes), body))

    for index, row in encoded:
        added = len(row) + (1 if parts else 0)

        if parts and (len(parts) >= max_contacts or size + added > max_bytes):
            close()
            indexes, parts = [], []
            size = len(prefix) + len(suffix)
            added = len(row)

        if size + added > max_bytes:
            raise ValueError(f"contact {index} alone does not fit in one import")

        indexes.append(index)
        parts.append(row)
        size += added

    if parts:
        close()

    return batches


def _encode_list(list_ids: list[str]) -> bytes:
    return json.dumps(list_ids, separators=(",", ":")).encode("ascii")


def _start(client: ActivitiesApi, batch: ImportBatch) -> None:
    try:
        activity = client.start_json_import(batch.body)
    except ConstantContactError as error:
        logger.warning("an import of %s contacts did not start", len(batch.indexes))
        batch.state = "not started"
        batch.errors.append(str(error))
        return

    _update(batch, activity)
    logger.info(
        "import %s started: %s contacts, %s bytes",
        batch.activity_id,
        len(batch.indexes),
        len(batch.body),
    )


def _wait(client: ActivitiesApi, batches: list[ImportBatch], poller: Poller) -> None:
    delay, waited = poller.first, 0.0

    while True:
        running = [batch for batch in batches if batch.state not in FINAL_STATES]

        if not running:
            return

        if waited >= poller.give_up_after:
            for batch in running:
                batch.errors.append(
                    f"the import was still {batch.state} after {waited:.0f} s; "
                    "pocc stopped waiting"
                )
            return

        poller.sleep(delay)
        waited += delay
        delay = min(delay * 2, poller.longest)

        for batch in running:
            _poll(client, batch)


def _poll(client: ActivitiesApi, batch: ImportBatch) -> None:
    try:
        _update(batch, client.activity(str(batch.activity_id)))
    except ServiceUnavailableError as error:
        # The transport has already retried; ask again on the next round.
        logger.warning("import %s: status unavailable (%s)", batch.activity_id, error)


def _update(batch: ImportBatch, activity: Mapping[str, Any]) -> None:
    batch.activity_id = activity.get("activity_id") or batch.activity_id
    batch.state = str(activity.get("state") or batch.state)
    batch.status = dict(activity.get("status") or {})
    batch.errors = [str(error) for error in activity.get("activity_errors") or []]

    logger.debug(
        "import %s: %s, %s%% done",
        batch.activity_id,
        batch.state,
        activity.get("percent_done"),
    )


def _record(batch: ImportBatch, outcomes: list[ContactOutcome]) -> None:
    for index in batch.indexes:
        if batch.activity_id:
            outcomes[index].activity_ids.append(batch.activity_id)

    if batch.state != "completed":
        why = "; ".join(batch.errors) or f"the import ended {batch.state}"

        for index in batch.indexes:
            outcomes[index].status = Status.FAILED
            outcomes[index].errors.append(why)
        return

    _record_dropped(batch, outcomes)

    for message in batch.errors:
        matched = _ROW_ERROR.match(message)
        number = int(matched.group(1)) if matched else 0

        if not 1 <= number <= len(batch.indexes):
            logger.warning("import %s reported: %s", batch.activity_id, redact(message))
            continue

        outcome = outcomes[batch.indexes[number - 1]]

        if outcome.status is Status.IMPORTED:
            outcome.status = Status.REPORTED

        outcome.errors.append(matched.group(2) if matched else message)


def _record_dropped(batch: ImportBatch, outcomes: list[ContactOutcome]) -> None:
    """Rows the service never counted: it drops what lies beyond 4 MB unreported."""
    total = batch.status.get("items_total_count")

    if not isinstance(total, int) or total >= len(batch.indexes):
        return

    logger.warning(
        "import %s counted %s of the %s contacts sent",
        batch.activity_id,
        total,
        len(batch.indexes),
    )

    for index in batch.indexes[total:]:
        outcomes[index].status = Status.FAILED
        outcomes[index].errors.append(
            "Constant Contact did not count this contact in its import (it drops "
            "rows beyond its size limit); import it again"
        )
