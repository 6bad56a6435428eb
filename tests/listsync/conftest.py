"""Fixtures for Sync marketing list: the jobs sandbox, an org seeded as an admin would.

The jobs fixtures (`tests/jobs/conftest.py`) are reused as they are. `crm` builds
D365 data with the System Administrator's client: records, static and dynamic
marketing lists, custom field mappings (removed again when the test ends, since every
job of the organisation reads them). `sync_list(list_id)` creates a Queued Sync
marketing list job, as the list form's button would, and runs it with pocc's kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, TokenStore
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
configuration_row = jobs_fixtures.configuration_row
configuration_id = jobs_fixtures.configuration_id
connected = jobs_fixtures.connected
runner_for = jobs_fixtures.runner_for


@pytest.fixture
def cc_client(jobs_settings: Settings, connected: TokenStore) -> ConstantContactClient:
    return ConstantContactClient.with_store(jobs_settings, connected)


@pytest.fixture
def crm(admin: DataverseClient) -> Iterator[Crm]:
    seeded = Crm(admin)
    yield seeded
    seeded.remove_mappings()


@pytest.fixture
def sync_list(
    admin: DataverseClient, runner_for: Callable[..., Runner], connected: TokenStore
) -> Iterator[Callable[..., tuple[str, JobStatus | None]]]:
    def run(list_id: str, **columns: Any) -> tuple[str, JobStatus | None]:
        job_id = admin.create(
            JOBS,
            {
                "pocc_name": f"Sync {list_id[:8]}",
                "pocc_kind": int(JobKindValue.SYNC_MARKETING_LIST),
                "pocc_jobstatus": int(JobStatus.QUEUED),
                "pocc_MarketingListId@odata.bind": f"/lists({list_id})",
                **columns,
            },
        )
        return job_id, runner_for(kinds=load_kinds()).run_job(job_id)

    yield run
    jobs_fixtures.close_open_jobs(admin)
