"""The worker as a process: polling, nudges, SIGTERM, and a SIGKILL mid-job."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pocc.config import Settings
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JobStatus
from pocc.jobs.worker import Worker
from tests.jobs.conftest import job, status_of, wait_for
from tests.jobs.kinds_for_tests import EFFECTS_VARIABLE, STEPS_KIND, TEST_KINDS, effects
from tests.jobs.worker_processes import WorkerProcesses


@pytest.fixture
def start_worker(
    jobs_environment: dict[str, str], effects_dir: Path, tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    workers = WorkerProcesses("tests.jobs.worker_main", tmp_path)
    environment = {**jobs_environment, EFFECTS_VARIABLE: str(effects_dir)}

    yield lambda: workers.start(environment)

    workers.kill_all()


def checkpoint_of(client: DataverseClient, job_id: str) -> int:
    text = job(client, job_id)["pocc_checkpoint"]
    return int(json.loads(text)["done"]) if text else 0


def test_worker_killed_mid_job_is_resumed_by_a_new_one_without_redoing_steps(
    make_job: Callable[..., str],
    start_worker: Callable[[], subprocess.Popen[bytes]],
    admin: DataverseClient,
    configuration_id: str,
) -> None:
    job_id = make_job("steps=25 delay=0.1", STEPS_KIND)
    first = start_worker()
    wait_for(lambda: len(effects(job_id)) >= 4, what="four steps")

    first.send_signal(signal.SIGKILL)
    first.wait()
    saved = checkpoint_of(admin, job_id)
    assert job(admin, job_id)["pocc_jobstatus"] == JobStatus.RUNNING

    start_worker()
    wait_for(
        lambda: status_of(admin, job_id) == JobStatus.SUCCEEDED,
        what="the second worker to finish the job",
    )

    ran = effects(job_id)
    steps = [step for step, _ in ran]
    assert sorted(set(steps)) == list(range(1, 26))
    # Steps before the last checkpoint ran once, by the first worker only.
    assert [step for step, attempt in ran if step <= saved] == list(range(1, saved + 1))
    assert all(attempt == 1 for step, attempt in ran if step <= saved)
    assert all(attempt == 2 for step, attempt in ran if step > saved + 1)
    assert "Resumed by another runner" in job(admin, job_id)["pocc_log"]


def test_sigterm_checkpoints_and_requeues_and_a_restart_finishes_the_job(
    make_job: Callable[..., str],
    start_worker: Callable[[], subprocess.Popen[bytes]],
    admin: DataverseClient,
    configuration_id: str,
) -> None:
    job_id = make_job("steps=25 delay=0.1", STEPS_KIND)
    first = start_worker()
    wait_for(lambda: len(effects(job_id)) >= 3, what="three steps")

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=20) == 0

    row = job(admin, job_id)
    assert row["pocc_jobstatus"] == JobStatus.QUEUED
    assert row["pocc_runnerowner"] is None
    assert "Paused: the worker running this job was stopped" in row["pocc_log"]
    assert checkpoint_of(admin, job_id) == len(effects(job_id))

    start_worker()
    wait_for(
        lambda: status_of(admin, job_id) == JobStatus.SUCCEEDED,
        what="the restarted worker to finish the job",
    )
    steps = [step for step, _ in effects(job_id)]
    assert steps == list(range(1, 26))
    assert "Resumed from the last checkpoint" in job(admin, job_id)["pocc_log"]


def test_a_nudge_starts_a_job_long_before_the_next_poll(
    make_job: Callable[..., str],
    jobs_settings: Settings,
    admin: DataverseClient,
    configuration_id: str,
    effects_dir: Path,
) -> None:
    settings = replace(jobs_settings, poll_seconds=3600)
    worker = Worker(settings, kinds=TEST_KINDS, worker_id="nudged")
    loop = threading.Thread(target=worker.run_forever)
    loop.start()

    try:
        wait_for(lambda: worker.polls >= 1, what="the first poll")
        job_id = make_job("steps=1", STEPS_KIND)
        worker.nudge("contoso", job_id)
        wait_for(
            lambda: status_of(admin, job_id) == JobStatus.SUCCEEDED,
            timeout=10,
            what="the nudged job",
        )
    finally:
        worker.request_stop()
        loop.join(timeout=30)

    assert job(admin, job_id)["pocc_runnerowner"].startswith("nudged#")
