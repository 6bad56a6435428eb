"""Fixtures for pocc's Constant Contact client, run against a sandbox of its own.

These tests advance the sandbox clock, spend its daily quota, inject faults and
authorize again and again (which ends earlier refresh-token chains), so they get a
sandbox process of their own rather than sharing the session's.

- `cc_sandbox`: that sandbox; `cc_config`: its `constantcontact` block.
- `cc_environment` / `cc_settings`: pocc's settings for it, built the production way.
- `configuration`: a fresh `pocc_configuration` row (created by the System
  Administrator, as the setup page would) holding the application's id and secret.
- `connected`: that configuration after the full OAuth flow, as a `TokenStore`.
- `cc_client`: a `ConstantContactClient` over `connected`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pocc.config import Settings, load_settings
from pocc.constantcontact import ConstantContactClient, TokenStore
from pocc.dataverse import DataverseClient
from tests.constantcontact import cc_helpers
from tests.dataverse.conftest import sandbox_environment
from tests.sandbox_process import SandboxProcess


@pytest.fixture(scope="session")
def cc_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with cc_helpers.own_sandbox(tmp_path_factory, "cc-client-sandbox") as process:
        yield process


@pytest.fixture(scope="session")
def cc_config(cc_sandbox: SandboxProcess) -> dict[str, Any]:
    return cc_sandbox.config["constantcontact"]


@pytest.fixture(scope="session")
def cc_environment(cc_sandbox: SandboxProcess) -> dict[str, str]:
    return cc_helpers.environment(cc_sandbox)


@pytest.fixture(scope="session")
def cc_settings(cc_environment: dict[str, str]) -> Settings:
    return load_settings(cc_environment)


@pytest.fixture(scope="session")
def admin_dataverse(cc_sandbox: SandboxProcess) -> Iterator[DataverseClient]:
    client = DataverseClient.from_settings(
        load_settings(sandbox_environment(cc_sandbox, "admin")), "contoso"
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def app_dataverse(cc_settings: Settings) -> Iterator[DataverseClient]:
    client = DataverseClient.from_settings(cc_settings, "contoso")
    yield client
    client.close()


@pytest.fixture
def configuration(
    admin_dataverse: DataverseClient,
    app_dataverse: DataverseClient,
    cc_settings: Settings,
    cc_config: dict[str, Any],
) -> str:
    configuration_id = admin_dataverse.create(
        "pocc_configurations", {"pocc_name": f"contoso {uuid.uuid4().hex[:8]}"}
    )
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration_id)
    store.save_application(cc_config["client_id"], cc_config["client_secret"])
    return configuration_id


@pytest.fixture
def connected(
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> TokenStore:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    cc_helpers.authorize(cc_sandbox, cc_settings, store)
    return store


@pytest.fixture
def cc_client(cc_settings: Settings, connected: TokenStore) -> ConstantContactClient:
    return ConstantContactClient.with_store(cc_settings, connected)
