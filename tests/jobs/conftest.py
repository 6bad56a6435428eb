"""Fixtures for the runner and worker tests, on a sandbox of their own.

These tests leave jobs running, kill workers and flip the organisation's
authentication state, so they get their own sandbox process rather than the
session's. Timings are short (heartbeat 0.2 s, stale after 1.5 s) so that reclaiming
a job takes a second, not a minute.

- `jobs_sandbox`, `jobs_environment` (pocc's POCC_ variables for it), `jobs_settings`;
- `admin`: the System Administrator's client (creates the configuration row, plays
  the CRM user who cancels); `services`: pocc's own, as a worker builds them;
- `configuration_id`: the organisation's configuration row, its leases cleared;
- `make_job(name, kind)`: a Queued job created as the ribbon would;
- `effects_dir`: where the test kinds record each step they run.
Every test ends with no job left Queued or Running, so none leaks into the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pocc.config import Settings, load_settings
from pocc.constantcontact import TokenStore
from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import JOBS, JobRow, JobStatus
from pocc.jobs.runner import Runner, Timing
from pocc.jobs.services import OrganizationServices
from tests.constantcontact import cc_helpers
from tests.dataverse.conftest import client_for
from tests.jobs.kinds_for_tests import EFFECTS_VARIABLE, TEST_KINDS
from tests.sandbox_process import SandboxProcess

FAST_TIMING = {
    "POCC_HEARTBEAT_SECONDS": "0.2",
    "POCC_STALE_SECONDS": "1.5",
    "POCC_POLL_SECONDS": "0.2",
}


@pytest.fixture(scope="session")
def jobs_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with cc_helpers.own_sandbox(tmp_path_factory, "jobs-sandbox") as process:
        yield process


@pytest.fixture(scope="session")
def jobs_environment(jobs_sandbox: SandboxProcess) -> dict[str, str]:
    return {**cc_helpers.environment(jobs_sandbox), **FAST_TIMING}


@pytest.fixture(scope="session")
def jobs_settings(jobs_environment: dict[str, str]) -> Settings:
    return load_settings(jobs_environment)


@pytest.fixture(scope="session")
def admin(jobs_sandbox: SandboxProcess) -> Iterator[DataverseClient]:
    client = client_for(jobs_sandbox, "admin")
    yield client
    client.close()


@pytest.fixture(scope="session")
def services(jobs_settings: Settings) -> Iterator[OrganizationServices]:
    organization = OrganizationServices(jobs_settings, "contoso")
    yield organization
    organization.close()


@pytest.fixture(scope="session")
def configuration_row(admin: DataverseClient) -> str:
    return admin.create("pocc_configurations", {"pocc_name": "contoso"})


@pytest.fixture
def configuration_id(configuration_row: str, admin: DataverseClient) -> str:
    admin.update(
        "pocc_configurations",
        configuration_row,
        {
            "pocc_writerleaseowner": None,
            "pocc_writerleaseexpireson": None,
            "pocc_needsreauthentication": False,
            "pocc_accesstoken": None,
            "pocc_refreshtoken": None,
        },
    )
    return configuration_row


@pytest.fixture
def connected(
    jobs_sandbox: SandboxProcess,
    jobs_settings: Settings,
    services: OrganizationServices,
    configuration_id: str,
) -> TokenStore:
    """The organisation connected to the sandbox's Constant Contact."""
    return cc_helpers.connect(
        jobs_sandbox, jobs_settings, services.dataverse, configuration_id
    )


@pytest.fixture
def effects_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "effects"
    monkeypatch.setenv(EFFECTS_VARIABLE, str(folder))
    return folder


@pytest.fixture
def make_job(
    services: OrganizationServices, admin: DataverseClient
) -> Iterator[Callable[..., str]]:
    def make(name: str, kind: int, **columns: Any) -> str:
        record = {
            "pocc_name": name,
            "pocc_kind": int(kind),
            "pocc_jobstatus": int(JobStatus.QUEUED),
            **columns,
        }
        return services.dataverse.create(JOBS, record)

    yield make
    close_open_jobs(admin)


@pytest.fixture
def runner_for(
    services: OrganizationServices,
) -> Callable[..., Runner]:
    def build(worker_id: str = "test-runner", **options: Any) -> Runner:
        options.setdefault("kinds", TEST_KINDS)
        options.setdefault("timing", Timing(heartbeat_seconds=0.2, stale_seconds=1.5))
        return Runner(services, worker_id, **options)

    return build


def job(client: DataverseClient, job_id: str) -> dict[str, Any]:
    return client.retrieve(JOBS, job_id)


def wait_for(
    predicate: Callable[[], Any], timeout: float = 30.0, what: str = "a condition"
) -> Any:
    deadline = time.monotonic() + timeout

    while time.monotonic() < deadline:
        value = predicate()

        if value:
            return value

        time.sleep(0.05)

    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def close_open_jobs(client: DataverseClient) -> None:
    """Ends every Queued or Running job, so a later test's runner never sees it."""
    open_jobs = column("pocc_jobstatus").in_(
        [int(JobStatus.QUEUED), int(JobStatus.RUNNING)]
    )
    rows = client.query(JOBS, Query(select=["pocc_jobid"], filter=open_jobs))

    for row in list(rows):
        client.update(JOBS, row["pocc_jobid"], {"pocc_jobstatus": 101500005})


def status_of(client: DataverseClient, job_id: str) -> JobStatus:
    return JobStatus(JobRow.from_row(job(client, job_id)).status)
