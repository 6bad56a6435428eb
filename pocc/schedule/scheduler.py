"""The worker's daily schedule: one Retrieve responses and one Refresh statistics job
a day per organisation, at the time of day its administrator chose, in its zone.

The worker calls `DailyScheduler.run_due()` from its loop; it looks at each
organisation's configuration at most once every `check_seconds`. State lives in the
configuration row only (`pocc_nextresponseretrievalon`, in UTC), so any number of
workers may run the schedule:

- The day's jobs get ids derived from the organisation, the kind and the run's time
  (uuid5), and are created with a create-only upsert: a second worker, or a worker
  that crashed after creating them, meets them and creates nothing.
- The next run is then computed from now, not from the missed one: a worker that was
  down for three days queues one run when it comes back, not three.
- An organisation without a retrieval time (`pocc_retrievalminuteofday` empty) is not
  scheduled; the setup page asks the administrator for one.

It also refreshes the billing figure (`pocc_enabledusers`) once a day.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pocc.billing import refresh_enabled_users
from pocc.dataverse import DataverseClient
from pocc.errors import DuplicateKeyError, PoccError
from pocc.jobs.configuration import CONFIGURATIONS, read_configuration
from pocc.jobs.job_row import (
    JOBS,
    JobKindValue,
    JobStatus,
    format_time,
    parse_time,
    utc_now,
)
from pocc.schedule.daily import MINUTES_PER_DAY, next_run, run_on
from pocc.schedule.time_zones import time_zone

logger = logging.getLogger(__name__)

# Job ids of scheduled runs are uuid5 names in this namespace.
SCHEDULE_NAMESPACE = uuid.UUID("0f6f3c52-8a53-4c8e-9a47-4d3b0c2f6a11")
DAILY_KINDS = (JobKindValue.RETRIEVE_RESPONSES, JobKindValue.REFRESH_STATISTICS)
SCHEDULE_COLUMNS = (
    "pocc_timezone",
    "pocc_retrievalminuteofday",
    "pocc_nextresponseretrievalon",
    "pocc_enableduserscountedon",
)


@dataclass(frozen=True)
class Check:
    """What one look at an organisation's schedule did."""

    next_run: datetime | None
    queued: tuple[str, ...] = ()


def daily_job_id(organization: str, kind: JobKindValue, run: datetime) -> str:
    """The id of the job of `kind` for the run due at `run`: the same for everyone."""
    name = f"{organization}|{int(kind)}|{format_time(run)}"
    return str(uuid.uuid5(SCHEDULE_NAMESPACE, name))


class DailyScheduler:
    """The daily runs of every organisation a worker serves."""

    def __init__(
        self,
        organizations: Mapping[str, DataverseClient],
        *,
        check_seconds: float = 60.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.organizations = dict(organizations)
        self.check_seconds = check_seconds
        self._clock = clock
        self._next_check = 0.0

    def run_due(self) -> None:
        """Looks at every organisation if `check_seconds` have passed since the last."""
        if time.monotonic() < self._next_check:
            return

        self._next_check = time.monotonic() + self.check_seconds

        for name, dataverse in self.organizations.items():
            try:
                self.check(name, dataverse)
            except PoccError as error:
                logger.warning("could not check %s's daily schedule: %s", name, error)

    def check(self, organization: str, dataverse: DataverseClient) -> Check:
        """Queues the day's jobs if they are due, and stores when the next run is."""
        row = read_configuration(dataverse, SCHEDULE_COLUMNS)

        if row is None:
            return Check(None)

        now = self._clock()
        refresh_enabled_users(dataverse, row, now)
        minute = row.get("pocc_retrievalminuteofday")

        if minute is None or not 0 <= minute < MINUTES_PER_DAY:
            logger.debug("%s has no retrieval time: nothing scheduled", organization)
            return Check(None)

        zone = time_zone(row.get("pocc_timezone"))
        due = parse_time(row.get("pocc_nextresponseretrievalon"))

        if due is None or run_on(due.astimezone(zone), zone, minute) != due:
            # Never scheduled, or the administrator changed the zone or the time.
            return Check(self._store_next(dataverse, row, next_run(now, zone, minute)))

        if now < due:
            return Check(due)

        queued = tuple(
            self._queue(dataverse, organization, kind, due) for kind in DAILY_KINDS
        )
        following = self._store_next(dataverse, row, next_run(now, zone, minute))
        logger.info(
            "%s: daily run of %s queued; the next is due at %s UTC",
            organization,
            format_time(due),
            format_time(following),
        )
        return Check(following, queued)

    def _queue(
        self,
        dataverse: DataverseClient,
        organization: str,
        kind: JobKindValue,
        due: datetime,
    ) -> str:
        job_id = daily_job_id(organization, kind, due)
        record = {
            "pocc_name": f"{kind.label} (daily, {format_time(due)[:10]})",
            "pocc_kind": int(kind),
            "pocc_jobstatus": int(JobStatus.QUEUED),
        }

        try:
            dataverse.upsert(JOBS, job_id, record, mode="create only")
        except DuplicateKeyError:
            logger.debug("%s's daily job %s exists already", organization, job_id)

        return job_id

    def _store_next(
        self, dataverse: DataverseClient, row: dict, following: datetime
    ) -> datetime:
        dataverse.update(
            CONFIGURATIONS,
            row["pocc_configurationid"],
            {"pocc_nextresponseretrievalon": format_time(following)},
        )
        return following
