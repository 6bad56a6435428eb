"""Production Dataverse clients pointed at the session's sandbox.

Both are built the way pocc builds them in production: environment -> Settings ->
`DataverseClient.from_settings`. `app_client` is pocc's application user (the
AppUser role); `admin_client` is the sandbox's System Administrator app user, used
only to seed rows the AppUser role may not create.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pocc.config import load_settings
from pocc.dataverse import DataverseClient
from pocc.vault import new_key
from tests.sandbox_process import SandboxProcess


def sandbox_environment(sandbox: SandboxProcess, app: str = "pocc") -> dict[str, str]:
    identity = sandbox.identity
    prefix = "" if app == "pocc" else f"{app}_"
    return {
        "POCC_ORGS": f"contoso={sandbox.org_url}",
        "POCC_CLIENT_ID": identity[f"{prefix}client_id"],
        "POCC_CLIENT_SECRET": identity[f"{prefix}client_secret"],
        "POCC_AUTHORITY_HOST": identity["authority_host"],
        "POCC_CA_BUNDLE": str(sandbox.ca_bundle),
        "POCC_SECRET_KEY": new_key(),
        "POCC_MAX_WAIT_SECONDS": "60",
    }


def client_for(sandbox: SandboxProcess, app: str = "pocc") -> DataverseClient:
    settings = load_settings(sandbox_environment(sandbox, app))
    return DataverseClient.from_settings(settings, "contoso")


@pytest.fixture(scope="module")
def app_client(sandbox: SandboxProcess) -> Iterator[DataverseClient]:
    client = client_for(sandbox)
    yield client
    client.close()


@pytest.fixture(scope="module")
def admin_client(sandbox: SandboxProcess) -> Iterator[DataverseClient]:
    client = client_for(sandbox, "admin")
    yield client
    client.close()
