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

from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from tests.sandbox_process import PROJECT_ROOT

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
