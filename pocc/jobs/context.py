"""What a running job kind sees: its row, checkpoint, progress, log and clients.

A kind never writes to its `pocc_job` row itself. It counts on `progress`, adds
lines with `log`, calls `save_checkpoint` after each step that must not be repeated,
and asks `cancelled()` (or calls `stop_if_cancelled()`) between steps. The runner
and its heartbeat thread do the writing.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from pocc.dataverse import DataverseClient
from pocc.errors import PoccError
from pocc.jobs.claim import ClaimedJob
from pocc.jobs.job_log import JobLog
from pocc.jobs.job_row import format_time, utc_now
from pocc.jobs.progress import Progress
from pocc.redaction import redact

logger = logging.getLogger(__name__)


class JobStoppedError(PoccError):
    """The job stops at this step: a user cancelled it or its worker is stopping."""


class JobContext:
    """One claimed job, as its kind works on it."""

    def __init__(
        self,
        claimed: ClaimedJob,
        organization: str,
        dataverse: DataverseClient,
        constant_contact: Callable[[], Any],
        stopping: threading.Event,
    ) -> None:
        self.claimed = claimed
        self.organization = organization
        self.dataverse = dataverse
        self.progress = Progress(claimed.row.raw)
        self.journal = JobLog(claimed.row.raw.get("pocc_log"))
        self._checkpoint = claimed.row.checkpoint
        self._constant_contact_factory = constant_contact
        self._constant_contact: Any = None
        self._stopping = stopping

    # What the job is about

    @property
    def job_id(self) -> str:
        return self.claimed.id

    @property
    def name(self) -> str:
        return self.claimed.row.name

    @property
    def row(self) -> dict[str, Any]:
        """The row as claimed: `_pocc_campaignid_value`, `pocc_scheduledsendon`..."""
        return self.claimed.row.raw

    @property
    def checkpoint(self) -> dict[str, Any]:
        """The state the last `save_checkpoint` stored ({} on a first run)."""
        return dict(self._checkpoint)

    @property
    def constant_contact(self) -> Any:
        """The organisation's Constant Contact client, built on first use."""
        if self._constant_contact is None:
            self._constant_contact = self._constant_contact_factory()

        return self._constant_contact

    # What the job reports

    def log(self, message: str) -> None:
        """One line of the readable log a CRM user sees on the job."""
        # Refusal reasons come from Constant Contact and may quote an address.
        logger.info("job %s: %s", self.job_id, redact(message))
        self.journal.add(message)

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Stores `state` (JSON) with the counts, now: a resumed job starts from it."""
        self._checkpoint = dict(state)
        self.flush(include_checkpoint=True)

    def flush(self, include_checkpoint: bool = False) -> None:
        """Writes heartbeat, counts and log to the row (the heartbeat calls this)."""
        changes: dict[str, Any] = {
            "pocc_heartbeaton": format_time(utc_now()),
            "pocc_log": self.journal.text(),
            **self.progress.columns(),
        }

        if include_checkpoint:
            changes["pocc_checkpoint"] = json.dumps(self._checkpoint, sort_keys=True)

        self.claimed.write(changes)

    # Stopping

    def cancelled(self) -> bool:
        """True when the job should stop at this step (cancel, shutdown, lost claim)."""
        return (
            self.claimed.cancel_requested
            or self.claimed.lost
            or self._stopping.is_set()
        )

    def stop_if_cancelled(self) -> None:
        if self.cancelled():
            raise JobStoppedError(f"job {self.job_id} stops at this step")

    @property
    def stopping_for_shutdown(self) -> bool:
        return self._stopping.is_set() and not self.claimed.cancel_requested
