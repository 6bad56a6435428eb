"""One writer per Constant Contact account: the writer lease on the configuration row,
and the authentication check that fails a job before it calls Constant Contact."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JobKindValue, JobStatus, format_time, parse_time, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome
from pocc.jobs.lease import WriterLease
from pocc.jobs.runner import Runner
from pocc.jobs.services import OrganizationServices
from tests.jobs.conftest import job, status_of, wait_for
from tests.jobs.kinds_for_tests import WRITER_KIND, effects


def configuration(admin: DataverseClient, configuration_id: str) -> dict:
    return admin.retrieve("pocc_configurations", configuration_id)


def test_two_writer_jobs_for_one_organisation_run_one_after_the_other(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    admin: DataverseClient,
    configuration_id: str,
    effects_dir: object,
) -> None:
    first = make_job("steps=8 delay=0.1", WRITER_KIND)
    second = make_job("steps=2", WRITER_KIND)
    outcome: list[JobStatus | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(runner_for("worker-a").run_job(first))
    )
    thread.start()
    wait_for(lambda: effects(first), what="the first job to start")

    waiting = runner_for("worker-b").run_job(second)

    row = job(services.dataverse, second)
    lease_owner = configuration(admin, configuration_id)["pocc_writerleaseowner"]
    assert waiting is None
    assert row["pocc_jobstatus"] == JobStatus.QUEUED
    assert row["pocc_attempts"] in (None, 0)
    assert (
        "Waiting: job 'steps=8 delay=0.1' (Sync marketing list) is writing to "
        in (row["pocc_log"])
    )
    assert lease_owner.startswith(first)

    # Asking again while it still waits adds no second note.
    runner_for("worker-b").run_job(second)
    assert job(services.dataverse, second)["pocc_log"].count("Waiting:") == 1

    thread.join(timeout=30)
    assert outcome == [JobStatus.SUCCEEDED]
    assert configuration(admin, configuration_id)["pocc_writerleaseowner"] is None
    assert runner_for("worker-b").run_job(second) == JobStatus.SUCCEEDED
    assert effects(second) == [(1, 1), (2, 1)]


def test_a_lapsed_lease_of_a_dead_worker_does_not_block(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    admin: DataverseClient,
    configuration_id: str,
    effects_dir: object,
) -> None:
    lapsed = format_time(utc_now() - timedelta(seconds=5))
    admin.update(
        "pocc_configurations",
        configuration_id,
        {
            "pocc_writerleaseowner": "00000000-0000-0000-0000-000000000001 dead#1",
            "pocc_writerleaseexpireson": lapsed,
        },
    )
    job_id = make_job("steps=1", WRITER_KIND)

    assert runner_for().run_job(job_id) == JobStatus.SUCCEEDED


def test_of_two_jobs_taking_a_free_lease_exactly_one_gets_it(
    services: OrganizationServices, configuration_id: str
) -> None:
    leases = [
        WriterLease(services.dataverse, f"job-{n}", f"runner-{n}", 30) for n in range(4)
    ]
    barrier = threading.Barrier(len(leases))
    holders: list[object] = []

    def take(lease: WriterLease) -> None:
        barrier.wait()
        holders.append(lease.acquire())

    threads = [threading.Thread(target=take, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [lease for lease in leases if lease.held]
    assert len(winners) == 1
    assert holders.count(None) == 1
    assert {holder.job_id for holder in holders if holder} == {winners[0].job_id}

    expires = parse_time(
        services.dataverse.retrieve(
            "pocc_configurations",
            configuration_id,
            select=["pocc_writerleaseexpireson"],
        )["pocc_writerleaseexpireson"]
    )
    assert winners[0].renew()
    winners[0].release()
    assert expires is not None
    assert expires > utc_now()


class NeedsConstantContact(JobKind):
    """Would call Constant Contact; must never start when the org is not connected."""

    ran = threading.Event()

    def run(self, job: JobContext) -> Outcome:
        self.ran.set()
        return Outcome.succeeded("called Constant Contact")


def test_expired_constant_contact_authentication_fails_the_job_at_once(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    admin: DataverseClient,
    configuration_id: str,
) -> None:
    # What the token store leaves when Constant Contact refuses the refresh token.
    admin.update(
        "pocc_configurations", configuration_id, {"pocc_needsreauthentication": True}
    )
    job_id = make_job("needs cc", JobKindValue.FIND_DUPLICATES)
    runner = runner_for(kinds={int(JobKindValue.FIND_DUPLICATES): NeedsConstantContact})

    status = runner.run_job(job_id)

    row = job(services.dataverse, job_id)
    assert status == JobStatus.FAILED
    assert not NeedsConstantContact.ran.is_set()
    assert "click Authenticate again" in row["pocc_error"]
    assert (
        "Failed: Constant Contact refused pocc's saved authorization"
        in (row["pocc_log"])
    )


def test_organisation_never_connected_fails_with_what_to_do(
    make_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    services: OrganizationServices,
    configuration_id: str,
) -> None:
    job_id = make_job("needs cc", JobKindValue.FIND_DUPLICATES)
    runner = runner_for(kinds={int(JobKindValue.FIND_DUPLICATES): NeedsConstantContact})

    assert runner.run_job(job_id) == JobStatus.FAILED
    assert (
        "is not connected to Constant Contact"
        in job(services.dataverse, job_id)["pocc_error"]
    )
    assert status_of(services.dataverse, job_id) == JobStatus.FAILED
