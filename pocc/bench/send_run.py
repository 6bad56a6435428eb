"""One Send, run by a real `python -m pocc worker` and measured from outside it.

The job row is created first; a fresh worker then finds it on its first look at the
queue, runs it, and is stopped with SIGTERM once its log says the job ended. The
worker's own CPU time and peak memory come from the kernel (`wait4`), the requests
it made from the sandbox's request log, and the time Constant Contact spent on the
imports from the import activities themselves.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pocc.bench.calls import log_offset, requests_between
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from pocc.sandbox.process import PROJECT_ROOT

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 1800.0
# The worker looks at the queue when it starts, then rarely: polls are not the
# send's work, and a benchmark should count the send's requests.
WORKER_SETTINGS = {
    "POCC_POLL_SECONDS": "600",
    "POCC_HEARTBEAT_SECONDS": "5",
    "POCC_STALE_SECONDS": "60",
}


class SendRunError(RuntimeError):
    """The measured worker exited early or the send did not end in time."""


@dataclass(frozen=True)
class SendMeasurement:
    size: int
    status: str
    sent: int
    wall_seconds: float
    cpu_seconds: float
    peak_memory_mb: float
    requests: Counter[str]
    import_seconds: float


def measure_send(
    stack: DemoStack, admin: DataverseClient, campaign_row_id: str, size: int
) -> SendMeasurement:
    job_id = admin.create(
        JOBS,
        {
            "pocc_name": f"Bench send to {size:,}",
            "pocc_kind": int(JobKindValue.SEND),
            "pocc_jobstatus": int(JobStatus.QUEUED),
            "pocc_CampaignId@odata.bind": f"/pocc_campaigns({campaign_row_id})",
        },
    )
    sandbox_log = stack.sandbox.log_file
    start_offset = log_offset(sandbox_log)
    worker_log = stack.logs / f"worker-{size}.log"

    started = time.monotonic()
    cpu_seconds, peak_kb = run_worker(stack, job_id, worker_log)
    wall_seconds = time.monotonic() - started
    requests = requests_between(sandbox_log, start_offset, log_offset(sandbox_log))

    job = admin.retrieve(JOBS, job_id, select=["pocc_jobstatus", "pocc_sent"])
    return SendMeasurement(
        size=size,
        status=JobStatus(job["pocc_jobstatus"]).label,
        sent=int(job.get("pocc_sent") or 0),
        wall_seconds=wall_seconds,
        cpu_seconds=cpu_seconds,
        peak_memory_mb=peak_kb / 1024,
        requests=requests,
        import_seconds=_import_seconds(stack, size),
    )


def run_worker(stack: DemoStack, job_id: str, log_file: Any) -> tuple[float, int]:
    """Runs a worker until the job ends; its (CPU seconds, peak resident KiB)."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("POCC_")},
        **stack.environment,
        **WORKER_SETTINGS,
    }

    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pocc", "worker"],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )

    ended = f"job {job_id} ended:"
    deadline = time.monotonic() + SEND_TIMEOUT_SECONDS

    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)

        if pid:
            tail = log_file.read_text(errors="replace")[-3000:]
            raise SendRunError(f"the worker exited early; its log ends:\n{tail}")

        if ended in log_file.read_text(errors="replace"):
            process.send_signal(signal.SIGTERM)
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime, usage.ru_maxrss

        time.sleep(0.1)

    process.kill()
    os.wait4(process.pid, 0)
    process.returncode = -9
    raise SendRunError(f"the send to job {job_id} did not end in time")


def _import_seconds(stack: DemoStack, size: int) -> float:
    """How long Constant Contact spent on this send's imports (newest activities)."""
    settings = stack.settings()
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

    try:
        client = ConstantContactClient.for_organization(
            settings, ORGANIZATION, dataverse
        )
        imported = 0
        seconds = 0.0

        # Newest first; only contact imports report a person count.
        for activity in client.recent_activities(limit=20):
            status = activity.get("status") or {}

            if imported >= size:
                break

            if "person_count" not in status:
                continue

            imported += int(status.get("items_total_count") or 0)
            seconds += _duration(activity)

        client.close()
        return seconds
    finally:
        dataverse.close()


def _duration(activity: dict[str, Any]) -> float:
    begun = activity.get("created_at") or activity.get("started_at")
    done = activity.get("completed_at") or activity.get("updated_at")

    if not begun or not done:
        return 0.0

    def moment(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return max((moment(done) - moment(begun)).total_seconds(), 0.0)
