"""Fixtures shared by every test: the sandbox, started as a real HTTPS server.

`sandbox` (one per test session) runs `python -m pocc sandbox --port 0` in a
subprocess with its own data folder and yields a `SandboxProcess`:

- `.config` (the parsed sandbox.json), `.base_url`, `.ca_bundle`, `.data_dir`,
  `.org_url` (the default org, contoso), `.web_api_url()`;
- `.app_session()` / `.admin_session()`: requests sessions with a bearer token for
  pocc's app user (AppUser role) or the System Administrator app user, verifying
  ca.pem, with relative URLs joined to the org's Web API URL;
- `.http()`: a session without a token; `.token(app, org)`;
- `.sandbox_admin(method, path, json)` for `/_sandbox/...`, and the context managers
  `.faults(plan)` and `.settings(changes)`, which undo themselves. Tests that share
  the session sandbox must leave it as they found it, so use those.

`fresh_sandbox` is a factory for tests that need a server of their own (more orgs,
a restart, an environment variable, a fixed port):
`fresh_sandbox("contoso", "fabrikam", env={...}, port=0)`. Each is
stopped when the test ends, even when it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sandbox_process import SandboxProcess

# Fail the run when any log line of it holds an email address, a token or a secret,
# and when a whole passing run never used a privilege pocc's role grants.
pytest_plugins = ["tests.log_audit", "tests.privilege_audit"]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path_factory.mktemp("sandbox"))
    process.start()

    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def fresh_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., SandboxProcess]]:
    started: list[SandboxProcess] = []

    def start(
        *orgs: str, env: dict[str, str] | None = None, port: int = 0
    ) -> SandboxProcess:
        folder = tmp_path_factory.mktemp("fresh-sandbox")
        process = SandboxProcess(folder, orgs, env, port)
        started.append(process)
        process.start()
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()
