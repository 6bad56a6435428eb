"""`pocc_emailduplicate` rows: one per shared address, replacing the previous scan's.

Each row is an upsert by its alternate key, the normalised address, so a re-run (or a
resumed job) rewrites the same rows instead of adding more; rows go in `$batch`
requests. `pocc_records` holds JSON, winner first:
`[{"table": "contact", "id": "...", "name": "Ann Lee", "used_by_send": true}, ...]`.
Once every current row is written, rows for addresses that are no longer shared
are deleted, so the table always shows the last complete scan.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from pocc.dataverse import DataverseClient, Operation, Query
from pocc.errors import PoccError
from pocc.jobs.job_row import format_time
from pocc.send.dedupe import Candidate, beats

logger = logging.getLogger(__name__)

EMAIL_DUPLICATES = "pocc_emailduplicates"
KEY_COLUMN = "pocc_normalizedemail"
# pocc_records is a memo of 1,048,576 characters; a few thousand records fit, and
# an address shared by more is listed with the winner and a count of the rest.
MAX_LISTED = 2000
WRITE_BATCH = 500


class DuplicateWriteError(PoccError):
    """Dataverse refused some duplicate rows; the message says how many and why."""


def ordered(records: Sequence[Candidate]) -> list[Candidate]:
    """The records of one address, the one Send would use first."""
    winner = records[0]

    for challenger in records[1:]:
        if beats(challenger, winner):
            winner = challenger

    rest = [item for item in records if item is not winner]
    return [winner, *rest]


def row_for(address: str, records: Sequence[Candidate], found_on: datetime) -> dict:
    """The column values of one address's row."""
    listed = ordered(records)
    described = [
        {
            "table": item.table,
            "id": item.record_id,
            "name": item.name,
            "used_by_send": index == 0,
        }
        for index, item in enumerate(listed[:MAX_LISTED])
    ]

    if len(listed) > MAX_LISTED:
        described.append({"more": len(listed) - MAX_LISTED})

    return {
        "pocc_count": len(records),
        "pocc_records": json.dumps(described, ensure_ascii=False),
        "pocc_foundon": format_time(found_on),
    }


def write_duplicates(
    dataverse: DataverseClient,
    groups: Iterable[tuple[str, list[Candidate]]],
    found_on: datetime,
    between: Callable[[], None] | None = None,
) -> int:
    """Upserts one row per shared address; how many were written."""
    written = 0
    operations: list[Operation] = []

    for address, records in groups:
        operations.append(
            Operation.upsert(
                EMAIL_DUPLICATES,
                {KEY_COLUMN: address},
                row_for(address, records, found_on),
            )
        )

        if len(operations) >= WRITE_BATCH:
            written += _write(dataverse, operations)
            operations = []

            if between is not None:
                between()

    return written + _write(dataverse, operations)


def remove_stale(
    dataverse: DataverseClient, still_shared: Callable[[str], bool]
) -> int:
    """Deletes the rows of addresses that the last scan no longer found shared."""
    query = Query(select=["pocc_emailduplicateid", KEY_COLUMN])
    stale = [
        row["pocc_emailduplicateid"]
        for row in dataverse.query(EMAIL_DUPLICATES, query)
        if not still_shared(str(row.get(KEY_COLUMN) or ""))
    ]

    if not stale:
        return 0

    operations = [Operation.delete(EMAIL_DUPLICATES, row_id) for row_id in stale]
    outcomes = dataverse.write_batch(operations)
    # A row someone deleted meanwhile is as good as deleted by pocc.
    failed = [item for item in outcomes if not item.ok and item.status != 404]

    if failed:
        raise DuplicateWriteError(
            f"Dataverse refused to delete {len(failed)} of {len(stale)} outdated "
            f"duplicate rows ({failed[0].error}); run Find duplicates again."
        )

    logger.info("deleted %s outdated duplicate rows", len(stale))
    return len(stale)


def _write(dataverse: DataverseClient, operations: list[Operation]) -> int:
    if not operations:
        return 0

    outcomes = dataverse.write_batch(operations)
    failed = [item for item in outcomes if not item.ok]

    if failed:
        raise DuplicateWriteError(
            f"Dataverse refused {len(failed)} of {len(outcomes)} duplicate rows "
            f"({failed[0].error}); run Find duplicates again once that is fixed."
        )

    return len(outcomes)
