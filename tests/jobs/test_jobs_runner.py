"""The runner against the sandbox's Dataverse: claims, checkpoints, cancels, endings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pytest

from pocc.dataverse import DataverseClient
from pocc.errors import PoccError
from pocc.jobs.claim import read_job
from pocc.jobs.job_row import FULL_COLUMNS, JOBS, JobKindValue, JobStatus
from pocc.jobs.kinds import JobContext, JobKind, Outcome
from pocc.jobs.runner import Runner
from pocc.jobs.services import OrganizationServices
from tests.jobs.conftest import job, status_of, wait_for
from tests.jobs.kinds_for_tests import STEPS_KIND, Partly, effects


def test_queued_job_runs_to_succeeded_with_counts_and_a_readable_log(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=3", STEPS_KIND)

    status = runner_for().run_job(job_id)

    row = job(services.dataverse, job_id)
    assert status == JobStatus.SUCCEEDED
    assert row["pocc_jobstatus"] == JobStatus.SUCCEEDED
    assert (row["pocc_total"], row["pocc_processed"], row["pocc_percent"]) == (
        3,
        3,
        100,
    )
    assert row["pocc_attempts"] == 1
    assert row["pocc_startedon"]
    assert row["pocc_finishedon"]
    assert row["pocc_runnerowner"].startswith("test-runner#")
    assert "Started: Find duplicates." in row["pocc_log"]
    assert row["pocc_log"].splitlines()[-1].endswith("Succeeded: Ran 3 steps.")
    assert effects(job_id) == [(1, 1), (2, 1), (3, 1)]


def test_two_runners_racing_for_one_job_only_one_wins(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=2", STEPS_KIND)
    row = read_job(services.dataverse, job_id)
    runners = [runner_for("racer-a"), runner_for("racer-b")]
    barrier = threading.Barrier(2)
    results: list[JobStatus | None] = []

    def race(runner: Runner) -> None:
        barrier.wait()
        results.append(runner.attempt(row))

    threads = [threading.Thread(target=race, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=str) == sorted([JobStatus.SUCCEEDED, None], key=str)
    assert job(services.dataverse, job_id)["pocc_attempts"] == 1
    assert effects(job_id) == [(1, 1), (2, 1)]


def test_stale_running_job_is_reclaimed_and_resumes_from_its_checkpoint(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    admin: DataverseClient,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=5", STEPS_KIND)
    # What a worker that died after step 2 leaves behind.
    admin.update(
        JOBS,
        job_id,
        {
            "pocc_jobstatus": int(JobStatus.RUNNING),
            "pocc_runnerowner": "dead-worker#1",
            "pocc_heartbeaton": "2020-01-01T00:00:00Z",
            "pocc_startedon": "2020-01-01T00:00:00Z",
            "pocc_attempts": 1,
            "pocc_checkpoint": '{"done": 2}',
            "pocc_total": 5,
            "pocc_processed": 2,
        },
    )
    runner = runner_for("rescuer")

    assert job_id in [row.id for row in runner.runnable()]
    status = runner.run_job(job_id)

    row = job(services.dataverse, job_id)
    assert status == JobStatus.SUCCEEDED
    assert effects(job_id) == [(3, 2), (4, 2), (5, 2)]
    assert (row["pocc_processed"], row["pocc_attempts"]) == (5, 2)
    assert row["pocc_startedon"] == "2020-01-01T00:00:00Z"
    assert "Resumed by another runner from the last checkpoint" in row["pocc_log"]


def test_running_job_with_a_fresh_heartbeat_is_left_alone(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    admin: DataverseClient,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=1", STEPS_KIND)
    runner = runner_for()
    claimed_elsewhere = {
        "pocc_jobstatus": int(JobStatus.RUNNING),
        "pocc_runnerowner": "busy-worker#1",
        "pocc_heartbeaton": job(admin, job_id)["modifiedon"],
    }
    admin.update(JOBS, job_id, claimed_elsewhere)

    assert job_id not in [row.id for row in runner.runnable()]
    assert runner.run_job(job_id) is None
    assert job(services.dataverse, job_id)["pocc_runnerowner"] == "busy-worker#1"
    assert effects(job_id) == []


def test_cancelled_job_stops_at_its_next_step_and_says_so(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    admin: DataverseClient,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=40 delay=0.1", STEPS_KIND)
    outcome: list[JobStatus | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(runner_for().run_job(job_id))
    )
    thread.start()

    wait_for(lambda: len(effects(job_id)) >= 2, what="two steps")
    # The CRM user's Cancel button sets the flag on the row.
    admin.update(JOBS, job_id, {"pocc_cancelrequested": True})
    thread.join(timeout=30)

    row = job(services.dataverse, job_id)
    ran = len(effects(job_id))
    assert outcome == [JobStatus.CANCELLED]
    assert row["pocc_jobstatus"] == JobStatus.CANCELLED
    assert 2 <= ran < 40
    assert row["pocc_processed"] == ran
    assert (
        f"Cancelled: stopped at a user's request after {ran} of 40" in row["pocc_log"]
    )


def test_job_cancelled_before_it_started_never_runs(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    effects_dir: object,
) -> None:
    job_id = make_job("steps=2", STEPS_KIND, pocc_cancelrequested=True)

    assert runner_for().run_job(job_id) == JobStatus.CANCELLED
    assert (
        "Cancelled: a user cancelled it before it started"
        in job(services.dataverse, job_id)["pocc_log"]
    )
    assert effects(job_id) == []


def test_finished_job_is_not_run_again(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    effects_dir: object,
) -> None:
    job_id = make_job("steps=1", STEPS_KIND)
    runner = runner_for()

    assert runner.run_job(job_id) == JobStatus.SUCCEEDED
    assert runner.run_job(job_id) is None
    assert effects(job_id) == [(1, 1)]


class Raising(JobKind):
    needs_constant_contact = False
    error: Exception = RuntimeError("boom")

    def run(self, job: JobContext) -> Outcome:
        job.progress.set_total(4)
        job.progress.done()
        raise self.error


class RaisingPocc(Raising):
    error = PoccError("The campaign has no marketing lists: attach one and try again.")


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        (Partly, JobStatus.PARTLY_SUCCEEDED, "Constant Contact refused 1 record"),
        (RaisingPocc, JobStatus.FAILED, "The campaign has no marketing lists"),
        (Raising, JobStatus.FAILED, "pocc met an unexpected problem (RuntimeError)"),
    ],
)
def test_job_endings_tell_the_user_what_happened(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    kind: type[JobKind],
    status: JobStatus,
    expected: str,
) -> None:
    job_id = make_job("ending", JobKindValue.FIND_DUPLICATES)
    runner = runner_for(kinds={int(JobKindValue.FIND_DUPLICATES): kind})

    assert runner.run_job(job_id) == status

    row = job(services.dataverse, job_id)
    assert expected in (row["pocc_error"] or "")
    assert row["pocc_log"].splitlines()[-1].split("  ", 1)[1].startswith(status.label)
    assert "boom" not in row["pocc_log"]


def test_unknown_kind_fails_with_a_message_naming_it(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
) -> None:
    job_id = make_job("unknown", JobKindValue.RETRIEVE_RESPONSES)

    assert runner_for(kinds={}).run_job(job_id) == JobStatus.FAILED
    assert (
        "cannot run jobs of kind Retrieve responses"
        in job(services.dataverse, job_id)["pocc_error"]
    )


class SlowCounter(JobKind):
    """Counts without saving checkpoints: only the heartbeat writes its progress."""

    needs_constant_contact = False
    release = threading.Event()

    def run(self, job: JobContext) -> Outcome:
        job.progress.set_total(10)
        job.progress.done(4)
        self.release.wait(20)
        job.progress.done(6)
        return Outcome.succeeded("Counted 10")


def test_heartbeat_writes_progress_while_the_kind_works(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
) -> None:
    job_id = make_job("counter", JobKindValue.FIND_DUPLICATES)
    runner = runner_for(kinds={int(JobKindValue.FIND_DUPLICATES): SlowCounter})
    thread = threading.Thread(target=runner.run_job, args=(job_id,))
    SlowCounter.release.clear()
    thread.start()

    try:
        row = wait_for(
            lambda: (r := job(services.dataverse, job_id))["pocc_processed"] == 4 and r,
            what="the heartbeat's counts",
        )
        first_beat = row["pocc_heartbeaton"]
        assert (row["pocc_percent"], row["pocc_jobstatus"]) == (40, JobStatus.RUNNING)
        wait_for(
            lambda: job(services.dataverse, job_id)["pocc_heartbeaton"] != first_beat,
            what="a later heartbeat",
        )
    finally:
        SlowCounter.release.set()
        thread.join(timeout=30)

    assert status_of(services.dataverse, job_id) == JobStatus.SUCCEEDED


def test_full_columns_exist_on_the_job_table(
    make_job: Callable[..., str], services: OrganizationServices
) -> None:
    job_id = make_job("columns", STEPS_KIND)

    row = services.dataverse.retrieve(JOBS, job_id, select=FULL_COLUMNS)

    assert set(FULL_COLUMNS) <= set(row)


class LogsAnAddress(JobKind):
    needs_constant_contact = False

    def run(self, job: JobContext) -> Outcome:
        job.log("Not sent: contact 1 (jane.doe@example.com bounced)")
        return Outcome.succeeded("Ran 1 step")


def test_the_job_log_and_the_worker_log_mask_email_addresses(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    caplog: pytest.LogCaptureFixture,
) -> None:
    job_id = make_job("address", JobKindValue.FIND_DUPLICATES)
    runner = runner_for(kinds={int(JobKindValue.FIND_DUPLICATES): LogsAnAddress})

    with caplog.at_level(logging.INFO, logger="pocc.jobs.context"):
        assert runner.run_job(job_id) == JobStatus.SUCCEEDED

    row = job(services.dataverse, job_id)
    assert "j***@example.com bounced" in row["pocc_log"]
    assert "j***@example.com bounced" in caplog.text
    assert "jane.doe@example.com" not in row["pocc_log"] + caplog.text
