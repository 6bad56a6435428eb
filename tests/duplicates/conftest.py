"""Fixtures for Find duplicates: the jobs sandbox and a runner with pocc's kinds.

`find_duplicates()` creates a Queued Find duplicates job, as the ribbon would, runs
it, and returns (job id, final status). `crm` seeds records (`tests/listsync`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from pocc.jobs.kinds import load_kinds
from pocc.jobs.runner import Runner
from tests.jobs import conftest as jobs_fixtures
from tests.listsync.crm_seed import Crm

jobs_sandbox = jobs_fixtures.jobs_sandbox
jobs_environment = jobs_fixtures.jobs_environment
jobs_settings = jobs_fixtures.jobs_settings
admin = jobs_fixtures.admin
services = jobs_fixtures.services
runner_for = jobs_fixtures.runner_for


@pytest.fixture
def crm(admin: DataverseClient) -> Crm:
    return Crm(admin)


@pytest.fixture
def find_duplicates(
    admin: DataverseClient, runner_for: Callable[..., Runner]
) -> Iterator[Callable[[], tuple[str, JobStatus | None]]]:
    def run() -> tuple[str, JobStatus | None]:
        job_id = admin.create(
            JOBS,
            {
                "pocc_name": "Find duplicates",
                "pocc_kind": int(JobKindValue.FIND_DUPLICATES),
                "pocc_jobstatus": int(JobStatus.QUEUED),
            },
        )
        return job_id, runner_for(kinds=load_kinds()).run_job(job_id)

    yield run
    jobs_fixtures.close_open_jobs(admin)
