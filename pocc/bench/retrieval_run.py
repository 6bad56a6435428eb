"""Retrieve responses for the largest send, a week later, run and measured like a Send.

The other sends' campaigns are closed first (a closed campaign is not retrieved), so
the job reads exactly one campaign. The sandbox's clock moves a week on, so its
recipients open, click, forward, opt out and bounce; then a fresh worker runs the
job (`send_run.run_worker`), and its calls are read from the sandbox's request log.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from pocc.bench.calls import log_offset, requests_between
from pocc.bench.send_run import run_worker
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.demo.statistics import advance_clock_a_week
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from pocc.jobs.kinds.campaign_records import CAMPAIGNS

logger = logging.getLogger(__name__)

# Tracking report -> the activity statistic that counts its rows.
REPORT_ROWS = {
    "opens": "em_opens_all",
    "clicks": "em_clicks_all",
    "forwards": "em_forwards",
    "optouts": "em_optouts",
    "bounces": "em_bounces",
}


@dataclass(frozen=True)
class RetrievalMeasurement:
    recipients: int
    status: str
    responses: int
    opt_outs: int
    report_rows: dict[str, int]
    wall_seconds: float
    cpu_seconds: float
    peak_memory_mb: float
    requests: Counter[str]


def measure_retrieval(
    stack: DemoStack,
    admin: DataverseClient,
    campaign_row_id: str,
    recipients: int,
    others: list[str],
) -> RetrievalMeasurement:
    for row_id in others:
        admin.update(CAMPAIGNS, row_id, {"statecode": 1, "statuscode": 2})

    advance_clock_a_week(stack.config["admin_url"], stack.config["ca_bundle"])
    job_id = admin.create(
        JOBS,
        {
            "pocc_name": f"Bench responses of {recipients:,}",
            "pocc_kind": int(JobKindValue.RETRIEVE_RESPONSES),
            "pocc_jobstatus": int(JobStatus.QUEUED),
        },
    )
    sandbox_log = stack.sandbox.log_file
    start_offset = log_offset(sandbox_log)

    started = time.monotonic()
    log_file = stack.logs / f"worker-responses-{recipients}.log"
    cpu_seconds, peak_kb = run_worker(stack, job_id, log_file)
    wall_seconds = time.monotonic() - started
    requests = requests_between(sandbox_log, start_offset, log_offset(sandbox_log))

    job = admin.retrieve(JOBS, job_id, select=["pocc_jobstatus", "pocc_log"])
    campaign = admin.retrieve(CAMPAIGNS, campaign_row_id)
    rows = report_rows(stack, campaign["pocc_primaryactivityid"])
    return RetrievalMeasurement(
        recipients=recipients,
        status=JobStatus(job["pocc_jobstatus"]).label,
        responses=_logged(job.get("pocc_log") or "", "responses written"),
        opt_outs=_logged(job.get("pocc_log") or "", "opt-outs set"),
        report_rows=rows,
        wall_seconds=wall_seconds,
        cpu_seconds=cpu_seconds,
        peak_memory_mb=peak_kb / 1024,
        requests=requests,
    )


def report_rows(stack: DemoStack, activity_id: str) -> dict[str, int]:
    """Rows of each tracking report, from the activity's statistics (one call)."""
    settings = stack.settings()
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

    try:
        client = ConstantContactClient.for_organization(
            settings, ORGANIZATION, dataverse
        )
        results, _ = client.activity_stats([activity_id])
        client.close()
    finally:
        dataverse.close()

    stats = results[0].get("stats", {}) if results else {}
    return {report: int(stats.get(name) or 0) for report, name in REPORT_ROWS.items()}


def _logged(log: str, words: str) -> int:
    """A figure from the job's summary line ("1,943 responses written (12 opt-outs")."""
    for line in reversed(log.splitlines()):
        before, found, _ = line.partition(f" {words}")

        if found:
            number = before.split()[-1].lstrip("(").replace(",", "")
            return int(number) if number.isdigit() else 0

    return 0
