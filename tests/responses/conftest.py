"""Fixtures for the campaign response tests, on a sandbox of their own.

These tests move the Constant Contact clock a week ahead, so they get their own
sandbox process. `organization` is pocc's view of it (settings, its Dataverse client,
a configuration row connected to the sandbox's Constant Contact); `admin` seeds what
CRM users would have made; `cc` is pocc's Constant Contact client; `run_job(kind)`
runs one job through the real runner and returns its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from pocc.config import Settings, load_settings
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobStatus
from pocc.jobs.kinds import load_kinds
from pocc.jobs.runner import Runner, Timing
from pocc.jobs.services import OrganizationServices
from tests.constantcontact import cc_helpers
from tests.dataverse.conftest import client_for
from tests.sandbox_process import SandboxProcess


@dataclass
class Organization:
    sandbox: SandboxProcess
    settings: Settings
    services: OrganizationServices
    admin: DataverseClient
    cc: ConstantContactClient

    @property
    def dataverse(self) -> DataverseClient:
        return self.services.dataverse

    def advance(self, days: float) -> None:
        answer = self.sandbox.sandbox_admin(
            "POST", "clock/advance", {"seconds": days * 86400}
        )
        assert answer.status_code == 200, answer.text
        run = self.sandbox.sandbox_admin("POST", "constantcontact/background/run")
        assert run.status_code in (200, 204), run.text


@pytest.fixture(scope="session")
def responses_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SandboxProcess]:
    with cc_helpers.own_sandbox(tmp_path_factory, "responses-sandbox") as process:
        yield process


@pytest.fixture(scope="session")
def organization(responses_sandbox: SandboxProcess) -> Iterator[Organization]:
    settings = load_settings(
        {
            **cc_helpers.environment(responses_sandbox),
            "POCC_HEARTBEAT_SECONDS": "0.5",
            "POCC_STALE_SECONDS": "5",
        }
    )
    services = OrganizationServices(settings, "contoso")
    admin = client_for(responses_sandbox, "admin")
    configuration_id = admin.create("pocc_configurations", {"pocc_name": "contoso"})
    cc_helpers.connect(
        responses_sandbox, settings, services.dataverse, configuration_id
    )
    cc = ConstantContactClient.for_organization(settings, "contoso", services.dataverse)

    yield Organization(responses_sandbox, settings, services, admin, cc)

    cc.close()
    admin.close()
    services.close()


@pytest.fixture(scope="session")
def run_job(organization: Organization) -> Callable[..., dict[str, Any]]:
    runner = Runner(
        organization.services,
        "responses-test",
        kinds=load_kinds(),
        timing=Timing(heartbeat_seconds=0.5, stale_seconds=5),
    )

    def run(kind: int, name: str = "test job") -> dict[str, Any]:
        job_id = organization.dataverse.create(
            JOBS,
            {
                "pocc_name": name,
                "pocc_kind": int(kind),
                "pocc_jobstatus": int(JobStatus.QUEUED),
            },
        )
        runner.run_job(job_id)
        return organization.dataverse.retrieve(JOBS, job_id)

    return run
