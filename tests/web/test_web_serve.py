"""The proxy as operators run it: `python -m pocc serve` and `gunicorn app:app`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pocc.config import Settings
from pocc.constantcontact import token_store
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from tests.constantcontact import cc_helpers
from tests.sandbox_process import PROJECT_ROOT, SandboxProcess

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> requests.Response:
    deadline = time.monotonic() + 30
    session = requests.Session()
    session.trust_env = False

    while time.monotonic() < deadline:
        assert process.poll() is None, "the proxy exited before it answered"

        try:
            return session.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.1)

    raise AssertionError(f"nothing answered at {url}")


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "pocc", "serve", "--bind"],
        [str(GUNICORN), "app:app", "--bind"],
    ],
    ids=["python -m pocc serve", "gunicorn app:app"],
)
def test_the_proxy_serves_the_app_and_stops_on_sigterm(
    command: list[str],
    web_environment: dict[str, str],
    web_admin: DataverseClient,
    configuration_id: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    log = (tmp_path / "proxy.log").open("ab")
    process = subprocess.Popen(
        [*command, f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **web_environment},
        stdout=log,
        stderr=log,
    )
    log.close()
    job_id = None

    try:
        health = wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        job_id = web_admin.create(
            JOBS,
            {
                "pocc_name": "nudged through gunicorn",
                "pocc_kind": int(JobKindValue.SYNCHRONIZE),
                "pocc_jobstatus": int(JobStatus.QUEUED),
            },
        )
        nudged = requests.post(
            f"http://127.0.0.1:{port}/api/jobs/contoso/{job_id}", timeout=30
        )
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)

        if job_id:
            web_admin.update(JOBS, job_id, {"pocc_jobstatus": 101500005})

    assert health.json() == {"status": "ok"}
    assert nudged.status_code == 202
    assert nudged.json()["status"] == "Queued"
    assert code == 0
    assert "code=" not in (tmp_path / "proxy.log").read_text()


def test_serve_with_a_worker_runs_a_nudged_job_at_once(
    web_sandbox: SandboxProcess,
    web_environment: dict[str, str],
    web_settings: Settings,
    web_admin: DataverseClient,
    configuration_id: str,
    tmp_path: Path,
) -> None:
    store = token_store(
        web_settings, DataverseClient.from_settings(web_settings, "contoso")
    )
    cc_helpers.authorize(web_sandbox, web_settings, store)
    port = free_port()
    log = (tmp_path / "proxy.log").open("ab")
    # Polling is off in practice: only the nudge can start the job in time.
    environment = {**os.environ, **web_environment, "POCC_POLL_SECONDS": "3600"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pocc",
            "serve",
            "--worker",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=log,
        stderr=log,
    )
    log.close()

    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        time.sleep(0.5)
        job_id = web_admin.create(
            JOBS,
            {
                "pocc_name": "Synchronize from the ribbon",
                "pocc_kind": int(JobKindValue.SYNCHRONIZE),
                "pocc_jobstatus": int(JobStatus.QUEUED),
            },
        )
        nudged = requests.post(
            f"http://127.0.0.1:{port}/api/jobs/contoso/{job_id}", timeout=30
        )
        deadline = time.monotonic() + 30

        while time.monotonic() < deadline:
            status = web_admin.retrieve(JOBS, job_id)["pocc_jobstatus"]

            if status != JobStatus.QUEUED and status != JobStatus.RUNNING:
                break

            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)

    assert nudged.status_code == 202
    assert status == JobStatus.SUCCEEDED
    assert code == 0
