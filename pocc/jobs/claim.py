"""Claiming a job row, and writing to it only while the claim is ours.

Claiming is one PATCH with `If-Match` on the ETag the runner read: if anyone changed
the row since (another runner claimed it, a user cancelled it), Dataverse answers 412
and this runner walks away. Two runners never both win.

After the claim, every write goes through `ClaimedJob.write`, which reads the row,
checks that this claim still holds it (a runner that stalled past the stale limit
may have been replaced), and writes with that read's ETag. Reading first also picks
up a user's cancel request. Writes from the job's thread and its heartbeat thread
take turns on one lock, so they never trip over each other's ETag.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from pocc.dataverse import DataverseClient
from pocc.errors import ConflictError, PoccError
from pocc.jobs.job_row import (
    FULL_COLUMNS,
    JOBS,
    SUMMARY_COLUMNS,
    JobRow,
    JobStatus,
    format_time,
    utc_now,
)

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5


class LostClaimError(PoccError):
    """Another runner took the job over (this runner's heartbeat went stale)."""


def read_job(
    client: DataverseClient, job_id: str, columns: Sequence[str] = SUMMARY_COLUMNS
) -> JobRow:
    return JobRow.from_row(client.retrieve(JOBS, job_id, select=columns))


def claim_job(client: DataverseClient, row: JobRow, owner: str) -> ClaimedJob | None:
    """Makes `owner` the job's runner if the row is still as read; else None."""
    now = format_time(utc_now())
    changes: dict[str, Any] = {
        "pocc_jobstatus": int(JobStatus.RUNNING),
        "pocc_runnerowner": owner,
        "pocc_heartbeaton": now,
        "pocc_attempts": row.attempts + 1,
        "pocc_finishedon": None,
        "pocc_error": None,
    }

    if row.started is None:
        changes["pocc_startedon"] = now

    try:
        client.update(JOBS, row.id, changes, etag=row.etag)
    except ConflictError:
        logger.info("job %s: another runner or a user changed it first", row.id)
        return None

    logger.info("job %s (%s) claimed by %s", row.id, row.kind_label, owner)
    claimed = read_job(client, row.id, FULL_COLUMNS)
    return ClaimedJob(client, claimed, owner, previous=row)


class ClaimedJob:
    """A job row this runner holds; every write re-checks the claim."""

    def __init__(
        self,
        client: DataverseClient,
        row: JobRow,
        owner: str,
        previous: JobRow | None = None,
    ) -> None:
        self.client = client
        self.row = row
        self.id = row.id
        self.owner = owner
        # The row as it was before the claim: who ran it before, if anyone.
        self.previous = previous or row
        self.cancel_requested = row.cancel_requested
        self.lost = False
        self._lock = threading.Lock()

    def write(self, changes: Mapping[str, Any]) -> None:
        """Writes `changes` if the claim still holds; LostClaimError if it does not."""
        with self._lock:
            for _ in range(WRITE_ATTEMPTS):
                current = self._check()

                try:
                    self.client.update(JOBS, self.id, changes, etag=current.etag)
                    return
                except ConflictError:
                    logger.debug("job %s changed between read and write", self.id)

            raise ConflictError(
                "the job row kept changing while the runner wrote to it",
                doing=f"updating job {self.id}",
            )

    def refresh(self) -> None:
        """Reads the cancel flag and checks the claim without writing."""
        with self._lock:
            self._check()

    def _check(self) -> JobRow:
        current = read_job(self.client, self.id)

        if current.owner != self.owner or current.status != JobStatus.RUNNING:
            self.lost = True
            raise LostClaimError(
                f"job {self.id} is now held by {current.owner or 'nobody'} "
                f"({current.status_label()}); this runner stops"
            )

        self.cancel_requested = current.cancel_requested
        return current
