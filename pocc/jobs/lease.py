"""The writer lease: one job at a time writes to an organisation's Constant Contact.

Two sends with overlapping contacts must not interleave (the later import would
overwrite the earlier one's list memberships), so jobs that write to Constant Contact
hold a lease on the organisation's `pocc_configuration` row while they run. The lease
names the job and the runner (`"<job id> <runner>"`) and lapses at
`pocc_writerleaseexpireson` unless the runner's heartbeat renews it, so a crashed
worker's lease frees itself. Every change is guarded by the row's ETag: of two
runners taking a free lease, exactly one wins.

A runner that reclaims a stale job may take over the lease that job still holds: the
job claim (also ETag-guarded) already made it the only runner of that job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pocc.dataverse import DataverseClient
from pocc.errors import ConflictError
from pocc.jobs.configuration import CONFIGURATIONS, require_configuration
from pocc.jobs.job_row import format_time, parse_time, utc_now

logger = logging.getLogger(__name__)

LEASE_COLUMNS = ("pocc_writerleaseowner", "pocc_writerleaseexpireson")
# Another runner may win the row between our read and write; try a few times.
WRITE_ATTEMPTS = 4


@dataclass(frozen=True)
class LeaseHolder:
    job_id: str
    runner: str
    expires: datetime


def lease_owner_text(job_id: str, runner: str) -> str:
    return f"{job_id} {runner}"[:200]


def parse_owner(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None

    job_id, _, runner = text.partition(" ")
    return job_id, runner


class WriterLease:
    """One job's hold on its organisation's writer lease."""

    def __init__(
        self,
        client: DataverseClient,
        job_id: str,
        runner: str,
        seconds: float,
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.runner = runner
        self.seconds = seconds
        self.owner_text = lease_owner_text(job_id, runner)
        self.held = False

    def holder(self, now: datetime | None = None) -> LeaseHolder | None:
        """The other job holding the lease now, or None when this job may take it."""
        row = require_configuration(self.client, LEASE_COLUMNS)
        return self._other_holder(row, now or utc_now())

    def acquire(self) -> LeaseHolder | None:
        """Takes the lease; None on success, else the job that holds it."""
        for _ in range(WRITE_ATTEMPTS):
            now = utc_now()
            row = require_configuration(self.client, LEASE_COLUMNS)
            holder = self._other_holder(row, now)

            if holder is not None:
                return holder

            if self._write(row, self.owner_text, now + self._length()):
                self.held = True
                logger.info("job %s took the writer lease", self.job_id)
                return None

        raise ConflictError(
            "the configuration row kept changing while the writer lease was taken",
            doing="taking the writer lease",
        )

    def renew(self) -> bool:
        """Extends the lease; False when it is no longer this job's."""
        if not self.held:
            return False

        for _ in range(WRITE_ATTEMPTS):
            row = require_configuration(self.client, LEASE_COLUMNS)

            if row.get("pocc_writerleaseowner") != self.owner_text:
                logger.warning("job %s lost the writer lease", self.job_id)
                self.held = False
                return False

            if self._write(row, self.owner_text, utc_now() + self._length()):
                return True

        return False

    def release(self) -> None:
        """Frees the lease if this job still holds it."""
        if not self.held:
            return

        for _ in range(WRITE_ATTEMPTS):
            row = require_configuration(self.client, LEASE_COLUMNS)

            if row.get("pocc_writerleaseowner") != self.owner_text:
                break

            if self._write(row, None, None):
                logger.info("job %s released the writer lease", self.job_id)
                break

        self.held = False

    def _other_holder(self, row: dict, now: datetime) -> LeaseHolder | None:
        owner = parse_owner(row.get("pocc_writerleaseowner"))
        expires = parse_time(row.get("pocc_writerleaseexpireson"))

        if owner is None or expires is None or expires <= now:
            return None

        if owner[0] == self.job_id:
            return None

        return LeaseHolder(job_id=owner[0], runner=owner[1], expires=expires)

    def _write(self, row: dict, owner: str | None, expires: datetime | None) -> bool:
        # Dataverse keeps whole seconds: rounding down would end the lease early and
        # let a second writer in between two heartbeats.
        if expires is not None and expires.microsecond:
            expires = expires.replace(microsecond=0) + timedelta(seconds=1)

        changes = {
            "pocc_writerleaseowner": owner,
            "pocc_writerleaseexpireson": format_time(expires) if expires else None,
        }

        try:
            self.client.update(
                CONFIGURATIONS,
                row["pocc_configurationid"],
                changes,
                etag=row["@odata.etag"],
            )
        except ConflictError:
            logger.debug("the configuration row changed; reading it again")
            return False

        return True

    def _length(self) -> timedelta:
        return timedelta(seconds=self.seconds)
