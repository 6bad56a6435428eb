"""Jobs as a CRM user runs them: create the row, nudge the proxy, watch the form.

The ribbon button creates a Queued `pocc_job` row and posts it to the proxy's
`/api/jobs/<org>/<id>`; the user then watches the job form, whose progress, log and
status the runner keeps up to date. The demo does the same and prints each change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests

from pocc.dataverse import DataverseClient
from pocc.demo.console import count, say
from pocc.demo.stack import ORGANIZATION
from pocc.jobs.job_row import FULL_COLUMNS, JOBS, JobKindValue, JobStatus

logger = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 0.5
JOB_TIMEOUT_SECONDS = 600.0
LOG_LINE_WIDTH = 150
# What a CRM user watches on the job form: the runner's columns and the outcome.
WATCHED_COLUMNS = (*FULL_COLUMNS, "pocc_percent", "pocc_error", "pocc_finishedon")


class JobFailedError(RuntimeError):
    """A demo job ended in a status other than the one the demo needs."""


@dataclass(frozen=True)
class FinishedJob:
    id: str
    status: JobStatus
    row: dict[str, Any]
    seconds: float


class JobFollower:
    """Creates jobs with a CRM user's client and follows them to the end."""

    def __init__(self, crm_user: DataverseClient, proxy_url: str) -> None:
        self.crm_user = crm_user
        self.proxy_url = proxy_url
        self.session = requests.Session()
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def run(self, name: str, kind: JobKindValue, **columns: Any) -> FinishedJob:
        """Creates a Queued job, nudges the proxy, and prints it until it ends."""
        started = time.monotonic()
        job_id = self.crm_user.create(
            JOBS,
            {
                "pocc_name": name,
                "pocc_kind": int(kind),
                "pocc_jobstatus": int(JobStatus.QUEUED),
                **columns,
            },
        )
        say(f"Created job “{name}” ({kind.label}, Queued): {job_id}", 1)
        self._nudge(job_id)

        row = self._watch(job_id)
        status = JobStatus(row["pocc_jobstatus"])
        seconds = time.monotonic() - started
        say(f"Job ended {status.label} after {seconds:.1f} s", 1)
        return FinishedJob(job_id, status, row, seconds)

    def _nudge(self, job_id: str) -> None:
        url = f"{self.proxy_url}/api/jobs/{ORGANIZATION}/{job_id}"
        answer = self.session.post(url, timeout=30)
        body = answer.json() if answer.content else {}
        say(
            f"POST /api/jobs/{ORGANIZATION}/{job_id[:8]}… -> {answer.status_code} "
            f"{body.get('status', '')}: {body.get('message', '')}".rstrip(),
            2,
        )

        # The worker also polls, so it may have claimed the job before the nudge
        # arrived: a 409 for a job that is no longer queued means it has started.
        if answer.status_code == 409 and body.get("error") == "job_not_queued":
            return

        if answer.status_code != 202:
            raise JobFailedError(f"the proxy refused the nudge: {answer.text[:300]}")

    def _watch(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        shown_lines = 0
        last_progress = ""

        while time.monotonic() < deadline:
            row = self.crm_user.retrieve(JOBS, job_id, select=WATCHED_COLUMNS)
            lines = (row.get("pocc_log") or "").splitlines()

            for line in lines[shown_lines:]:
                say(f"log | {_shortened(line)}", 2)

            shown_lines = max(shown_lines, len(lines))
            progress = _progress(row)

            if progress and progress != last_progress:
                say(progress, 2)
                last_progress = progress

            if JobStatus(row["pocc_jobstatus"]).finished:
                return row

            time.sleep(WATCH_INTERVAL_SECONDS)

        raise JobFailedError(
            f"job {job_id} did not finish within {JOB_TIMEOUT_SECONDS:.0f} s; see "
            "the worker's log"
        )


def _shortened(line: str) -> str:
    """A log line cut for the terminal; the job form keeps it whole."""
    if len(line) <= LOG_LINE_WIDTH:
        return line

    return line[: LOG_LINE_WIDTH - 1].rstrip() + "…"


def _progress(row: dict[str, Any]) -> str:
    status = JobStatus(row["pocc_jobstatus"]).label
    total = row.get("pocc_total")

    if not total:
        return f"status {status}"

    percent = row.get("pocc_percent")
    shown = f"{percent:.0f} %" if isinstance(percent, int | float) else "-"
    return (
        f"status {status}: {shown}, {count(row.get('pocc_processed'))} of "
        f"{count(total)} processed"
    )


def require_status(job: FinishedJob, *wanted: JobStatus) -> None:
    if job.status in wanted:
        return

    raise JobFailedError(
        f"the job ended {job.status.label}: {job.row.get('pocc_error') or 'no error'}"
    )
