"""Fixtures for the proxy's tests: the Flask app over a sandbox of its own.

The app is pocc's real app (`create_app`) talking to the sandbox's Dataverse and
Constant Contact over HTTPS; only the browser side is Flask's test client (and, in
`test_web_serve.py`, a real gunicorn). `nudges` records what the proxy told the
worker. `configuration_id` is the organisation's configuration row holding the
sandbox Constant Contact application's id and secret, as the setup page saves them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pocc.config import Settings, load_settings
from pocc.constantcontact import token_store
from pocc.dataverse import DataverseClient
from pocc.web import create_app
from tests.constantcontact import cc_helpers
from tests.dataverse.conftest import client_for
from tests.jobs.conftest import close_open_jobs
from tests.sandbox_process import SandboxProcess


@pytest.fixture(scope="session")
def web_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with cc_helpers.own_sandbox(tmp_path_factory, "web-sandbox") as process:
        yield process


@pytest.fixture(scope="session")
def web_environment(web_sandbox: SandboxProcess) -> dict[str, str]:
    return cc_helpers.environment(web_sandbox)


@pytest.fixture(scope="session")
def web_settings(web_environment: dict[str, str]) -> Settings:
    return load_settings(web_environment)


@pytest.fixture(scope="session")
def web_admin(web_sandbox: SandboxProcess) -> Iterator[DataverseClient]:
    client = client_for(web_sandbox, "admin")
    yield client
    client.close()


@pytest.fixture(scope="session")
def configuration_id(
    web_admin: DataverseClient, web_settings: Settings, web_sandbox: SandboxProcess
) -> str:
    row_id = web_admin.create("pocc_configurations", {"pocc_name": "contoso"})
    application = web_sandbox.config["constantcontact"]
    store = token_store(
        web_settings, DataverseClient.from_settings(web_settings, "contoso")
    )
    store.save_application(application["client_id"], application["client_secret"])
    return row_id


@pytest.fixture
def nudges() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def app(web_settings: Settings, nudges: list[tuple[str, str]]) -> Flask:
    return create_app(web_settings, nudge=lambda org, job: nudges.append((org, job)))


@pytest.fixture
def client(app: Flask, web_admin: DataverseClient) -> Iterator[FlaskClient]:
    yield app.test_client()
    close_open_jobs(web_admin)
