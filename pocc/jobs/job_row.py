"""The `pocc_job` row as the runner reads it: choice values, columns and times.

The choice values are the solution's (`solution/Entities/pocc_Job/Entity.xml`,
`docs/tables.md`); users' scripts and the ribbon create rows with them, so they never
change. Times travel as Dataverse writes them: UTC, `YYYY-MM-DDTHH:MM:SSZ`.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

JOBS = "pocc_jobs"


class JobStatus(enum.IntEnum):
    QUEUED = 101500000
    RUNNING = 101500001
    SUCCEEDED = 101500002
    PARTLY_SUCCEEDED = 101500003
    FAILED = 101500004
    CANCELLED = 101500005

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class JobKindValue(enum.IntEnum):
    SYNCHRONIZE = 101500000
    SEND = 101500001
    RETRIEVE_RESPONSES = 101500002
    SYNC_MARKETING_LIST = 101500003
    FIND_DUPLICATES = 101500004
    REFRESH_STATISTICS = 101500005

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


# What the runner reads of a job; the log and checkpoint only when it runs the job.
SUMMARY_COLUMNS = (
    "pocc_jobid",
    "pocc_name",
    "pocc_kind",
    "pocc_jobstatus",
    "pocc_runnerowner",
    "pocc_heartbeaton",
    "pocc_cancelrequested",
    "pocc_attempts",
    "pocc_startedon",
    "createdon",
)
FULL_COLUMNS = (
    *SUMMARY_COLUMNS,
    "_pocc_campaignid_value",
    "_pocc_marketinglistid_value",
    "pocc_scheduledsendon",
    "pocc_checkpoint",
    "pocc_log",
    "pocc_total",
    "pocc_processed",
    "pocc_sent",
    "pocc_skipped",
    "pocc_failed",
    "pocc_skippedinactive",
    "pocc_skippednoemail",
    "pocc_skippedinvalidemail",
    "pocc_skippedemailingnotallowed",
    "pocc_skippedduplicate",
    "pocc_skippedrefused",
)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """A UTC moment as Dataverse stores a date-and-time column."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """A Dataverse date-and-time value, or None for an empty column."""
    if not text:
        return None

    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class JobRow:
    """One read of a `pocc_job` row, with the ETag that guards the next write."""

    id: str
    etag: str
    name: str
    kind: int | None
    status: int | None
    owner: str | None
    heartbeat: datetime | None
    cancel_requested: bool
    attempts: int
    started: datetime | None
    raw: dict[str, Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JobRow:
        return cls(
            id=row["pocc_jobid"],
            etag=row.get("@odata.etag", ""),
            name=row.get("pocc_name") or "",
            kind=row.get("pocc_kind"),
            status=row.get("pocc_jobstatus"),
            owner=row.get("pocc_runnerowner") or None,
            heartbeat=parse_time(row.get("pocc_heartbeaton")),
            cancel_requested=bool(row.get("pocc_cancelrequested")),
            attempts=int(row.get("pocc_attempts") or 0),
            started=parse_time(row.get("pocc_startedon")),
            raw=row,
        )

    @property
    def checkpoint(self) -> dict[str, Any]:
        """The saved checkpoint, or {} for a job that never saved one."""
        text = self.raw.get("pocc_checkpoint")

        if not text:
            return {}

        try:
            value = json.loads(text)
        except ValueError:
            logger.warning(
                "job %s: its checkpoint is not JSON; starting afresh", self.id
            )
            return {}

        return value if isinstance(value, dict) else {}

    @property
    def kind_label(self) -> str:
        try:
            return JobKindValue(self.kind).label if self.kind is not None else "?"
        except ValueError:
            return f"kind {self.kind}"

    def status_label(self) -> str:
        try:
            return JobStatus(self.status).label if self.status is not None else "?"
        except ValueError:
            return f"status {self.status}"

    def is_stale(self, now: datetime, stale_seconds: float) -> bool:
        """A Running job whose runner has not been heard of for too long."""
        if self.status != JobStatus.RUNNING:
            return False

        if self.heartbeat is None:
            return True

        return (now - self.heartbeat).total_seconds() > stale_seconds
