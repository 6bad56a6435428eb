"""The runner: finds runnable jobs, claims one, runs its kind and records how it ended.

A job is runnable when it is Queued, or Running with a heartbeat older than the
stale limit (its runner crashed or hung). `attempt` takes one such row through:

1. a user's cancel request on a job not yet started ends it as Cancelled;
2. a job that writes to Constant Contact waits, still Queued and with a note, while
   another job holds the organisation's writer lease;
3. the ETag-guarded claim (see `claim.py`): of two runners, one wins;
4. the kind's `run`, with a heartbeat thread beating beside it and, for jobs that
   need Constant Contact, a check that the organisation is authenticated;
5. the final write: status, finish time, counts, log and, if it failed, why.

A worker that is stopping puts its jobs back in the queue with their checkpoints, so
the next runner resumes them at once instead of waiting for the stale limit.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pocc.dataverse import Query, all_of, any_of, column
from pocc.errors import (
    AuthenticationError,
    ConflictError,
    ConstantContactError,
    NotFoundError,
    PoccError,
)
from pocc.jobs.claim import ClaimedJob, LostClaimError, claim_job, read_job
from pocc.jobs.configuration import constant_contact_problem, read_configuration
from pocc.jobs.context import JobContext, JobStoppedError
from pocc.jobs.heartbeat import Heartbeat
from pocc.jobs.job_log import JobLog
from pocc.jobs.job_row import (
    FULL_COLUMNS,
    JOBS,
    SUMMARY_COLUMNS,
    JobKindValue,
    JobRow,
    JobStatus,
    format_time,
    utc_now,
)
from pocc.jobs.kinds import JobKind, Outcome, load_kinds
from pocc.jobs.lease import LeaseHolder, WriterLease
from pocc.jobs.services import OrganizationServices

logger = logging.getLogger(__name__)

AUTHENTICATION_COLUMNS = (
    "pocc_needsreauthentication",
    "pocc_refreshtoken",
    "pocc_accesstoken",
)
REAUTHENTICATE = (
    "Constant Contact refused pocc's authorization for this organisation: an "
    "administrator must open the pocc setup page and click Authenticate again, then "
    "run this job again."
)
UNEXPECTED = (
    "pocc met an unexpected problem ({name}) and stopped this job safely. Run the job "
    "again; if it fails the same way, send the time of this line to your pocc "
    "administrator (the details are in the worker's log)."
)


@dataclass(frozen=True)
class Timing:
    """How often a running job beats, and when silence means its runner is gone."""

    heartbeat_seconds: float = 5.0
    stale_seconds: float = 60.0


class Runner:
    """Runs one organisation's jobs, one `attempt` at a time per calling thread."""

    def __init__(
        self,
        services: OrganizationServices,
        worker_id: str,
        *,
        kinds: dict[int, type[JobKind]] | None = None,
        timing: Timing | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.services = services
        self.client = services.dataverse
        self.worker_id = worker_id
        self.kinds = kinds if kinds is not None else load_kinds()
        self.timing = timing or Timing()
        self.stopping = stopping or threading.Event()

    def runnable(self) -> list[JobRow]:
        """Queued jobs (oldest first), then Running jobs whose heartbeat is stale."""
        cutoff = utc_now() - timedelta(seconds=self.timing.stale_seconds)
        queued = column("pocc_jobstatus").eq(int(JobStatus.QUEUED))
        stale = all_of(
            [
                column("pocc_jobstatus").eq(int(JobStatus.RUNNING)),
                any_of(
                    [
                        column("pocc_heartbeaton").lt(cutoff),
                        column("pocc_heartbeaton").is_null(),
                    ]
                ),
            ]
        )
        query = Query(
            select=SUMMARY_COLUMNS,
            filter=any_of([queued, stale]),
            orderby=["createdon asc"],
        )
        rows = [JobRow.from_row(row) for row in self.client.query(JOBS, query)]
        return sorted(rows, key=lambda row: row.status != JobStatus.QUEUED)

    def run_job(self, job_id: str) -> JobStatus | None:
        """Runs one job if it is runnable; its final status, or None if not run."""
        try:
            row = read_job(self.client, job_id)
        except NotFoundError:
            logger.info("job %s no longer exists", job_id)
            return None

        return self.attempt(row)

    def attempt(self, row: JobRow) -> JobStatus | None:
        """Claims and runs `row`; None when it was not runnable or not ours to run."""
        if not self._is_runnable(row):
            return None

        kind = self.kinds.get(row.kind or 0)
        writes = kind is not None and kind.writes_to_constant_contact

        if writes and not row.cancel_requested:
            holder = self._lease(row.id, self.worker_id).holder()

            if holder is not None:
                self._note_waiting(row, holder)
                return None

        claimed = claim_job(self.client, row, self._new_owner())

        if claimed is None:
            return None

        lease = self._lease(claimed.id, claimed.owner) if writes else None
        return self._run_claimed(claimed, kind, lease)

    # Steps of a claimed job

    def _run_claimed(
        self, claimed: ClaimedJob, kind: type[JobKind] | None, lease: WriterLease | None
    ) -> JobStatus | None:
        job = JobContext(
            claimed,
            self.services.name,
            self.client,
            self.services.constant_contact,
            self.stopping,
        )

        if claimed.cancel_requested:
            return self._finish(job, Outcome(JobStatus.CANCELLED, _cancel_text(job)))

        if kind is None:
            return self._finish(job, Outcome.failed(self._unknown_kind(claimed.row)))

        if lease is not None:
            holder = lease.acquire()

            if holder is not None:
                return self._requeue(job, self._waiting_text(holder))

        self._log_start(job)
        heartbeat = Heartbeat(job, self.timing.heartbeat_seconds, lease).start()

        try:
            outcome = self._run_kind(kind, job)
        finally:
            heartbeat.stop()

            if lease is not None:
                self._release(lease)

        if outcome is None:
            return self._pause_or_drop(job)

        return self._finish(job, outcome)

    def _run_kind(self, kind: type[JobKind], job: JobContext) -> Outcome | None:
        """The kind's outcome; None when the job stopped without an ending."""
        try:
            if kind.needs_constant_contact:
                problem = self._authentication_problem()

                if problem:
                    return Outcome.failed(problem)

            return kind().run(job)
        except (JobStoppedError, LostClaimError):
            if job.claimed.lost or job.stopping_for_shutdown:
                return None

            return Outcome(JobStatus.CANCELLED, _cancel_text(job))
        except ConstantContactError as error:
            if isinstance(error, AuthenticationError):
                return Outcome.failed(f"{REAUTHENTICATE} ({error.message})")

            return Outcome.failed(str(error))
        except PoccError as error:
            return Outcome.failed(str(error))
        except Exception as error:
            logger.exception("job %s: unexpected error", job.job_id)
            return Outcome.failed(UNEXPECTED.format(name=type(error).__name__))

    def _finish(self, job: JobContext, outcome: Outcome) -> JobStatus | None:
        status = JobStatus(outcome.status)
        ending = "" if outcome.summary.endswith((".", "!", "?")) else "."
        job.log(f"{status.label}: {outcome.summary}{ending}")
        changes: dict[str, Any] = {
            **job.progress.columns(),
            "pocc_jobstatus": int(status),
            "pocc_finishedon": format_time(utc_now()),
            "pocc_heartbeaton": format_time(utc_now()),
            "pocc_log": job.journal.text(),
            "pocc_error": outcome.error,
        }

        if status == JobStatus.SUCCEEDED:
            changes["pocc_percent"] = 100

        try:
            job.claimed.write(changes)
        except LostClaimError as error:
            logger.warning("%s; its ending is left to the new runner", error)
            return None

        logger.info("job %s ended: %s", job.job_id, status.label)
        return status

    def _pause_or_drop(self, job: JobContext) -> None:
        if job.claimed.lost:
            logger.warning("job %s was taken over by another runner", job.job_id)
            return None

        note = (
            "Paused: the worker running this job was stopped. The next runner resumes "
            "it from its last checkpoint."
        )
        self._requeue(job, note, checkpoint=True)
        return None

    def _requeue(
        self, job: JobContext, note: str, checkpoint: bool = False
    ) -> JobStatus | None:
        job.log(note)
        changes: dict[str, Any] = {
            **job.progress.columns(),
            "pocc_jobstatus": int(JobStatus.QUEUED),
            "pocc_runnerowner": None,
            "pocc_heartbeaton": None,
            "pocc_log": job.journal.text(),
        }

        if checkpoint:
            changes["pocc_checkpoint"] = _checkpoint_text(job)

        try:
            job.claimed.write(changes)
        except LostClaimError as error:
            logger.warning("%s", error)

        return None

    # Helpers

    def _is_runnable(self, row: JobRow) -> bool:
        if row.status == JobStatus.QUEUED:
            return True

        return row.is_stale(utc_now(), self.timing.stale_seconds)

    def _lease(self, job_id: str, runner: str) -> WriterLease:
        return WriterLease(self.client, job_id, runner, self.timing.stale_seconds)

    def _release(self, lease: WriterLease) -> None:
        try:
            lease.release()
        except PoccError as error:
            logger.warning("the writer lease was not released (it lapses): %s", error)

    def _authentication_problem(self) -> str | None:
        row = read_configuration(self.client, AUTHENTICATION_COLUMNS)
        return constant_contact_problem(row)

    def _log_start(self, job: JobContext) -> None:
        previous = job.claimed.previous
        label = _kind_label(job.claimed.row.kind)

        if previous.status == JobStatus.RUNNING:
            job.log(
                f"Resumed by another runner from the last checkpoint (the previous "
                f"runner stopped answering; attempt {job.claimed.row.attempts})."
            )
        elif job.checkpoint:
            job.log(f"Resumed from the last checkpoint ({label}).")
        else:
            job.log(f"Started: {label}.")

        job.flush()

    def _note_waiting(self, row: JobRow, holder: LeaseHolder) -> None:
        """Tells the user, once, what a queued writer job is waiting for."""
        note = self._waiting_text(holder)
        full = read_job(self.client, row.id, FULL_COLUMNS)
        journal = JobLog(full.raw.get("pocc_log"))
        lines = journal.lines()

        if lines and lines[-1].endswith(note):
            return

        journal.add(note)

        try:
            self.client.update(
                JOBS, row.id, {"pocc_log": journal.text()}, etag=full.etag
            )
        except ConflictError:
            logger.debug("job %s changed while its waiting note was written", row.id)

    def _waiting_text(self, holder: LeaseHolder) -> str:
        try:
            other = read_job(self.client, holder.job_id)
            what = f"job '{other.name}' ({other.kind_label})"
        except NotFoundError:
            what = f"job {holder.job_id}"

        return (
            f"Waiting: {what} is writing to Constant Contact for this organisation. "
            "Only one such job runs at a time; this one starts when it ends."
        )

    def _unknown_kind(self, row: JobRow) -> str:
        known = ", ".join(sorted(_kind_label(value) for value in self.kinds))
        return (
            f"This pocc worker cannot run jobs of kind {row.kind_label} (it runs: "
            f"{known or 'none'}). Ask your pocc administrator to update pocc."
        )

    def _new_owner(self) -> str:
        return f"{self.worker_id}#{uuid.uuid4().hex[:6]}"


def _kind_label(value: int | None) -> str:
    try:
        return JobKindValue(value).label if value is not None else "unknown"
    except ValueError:
        return f"kind {value}"


def _cancel_text(job: JobContext) -> str:
    progress = job.progress

    if not job.claimed.previous.started and progress.processed == 0:
        return "a user cancelled it before it started"

    return (
        f"stopped at a user's request after {progress.processed} of "
        f"{progress.total} records; the work done so far is kept"
    )


def _checkpoint_text(job: JobContext) -> str:
    return json.dumps(job.checkpoint, sort_keys=True)
