"""Fixtures for the Constant Contact sandbox tests: a client that holds every answer
to the official v3 spec.

- `cc_api`: a `ContractClient` bound to the session sandbox's `api_url` with a valid
  access token (all scopes, from the real consent-form flow, cached per session). Every
  response is checked against the spec's schema for its status (or the documented
  error shapes where the spec gives none) before the test sees it; a response that
  does not conform fails the test with a readable report. `cc_api.with_token(t)` makes
  the same checks with another token (None: no Authorization header). A 401 on the
  harness's own token renews it once and retries (the sandbox clock may have passed
  its 24 hours); send an explicit `Authorization` header to see the 401 itself.
- `cc_api_for(sandbox_like)`: the same client for another sandbox (e.g. a fresh one).
- `cc_private`: a sandbox of the test module's own with such a client
  (`campaign_helpers.PrivateSandbox`), for tests that advance the sandbox clock by
  days, which the shared session sandbox must not see.
- `cc_grant(scope)`: a new grant through the consent form, e.g. with fewer scopes.
- `cc_operations`: what the sandbox implements (its operation registry).
- `contract`: the parsed spec; `contract_ledger`: what this session checked.

The session's sandbox gets rate limits far above the real 4 a second, so a test suite
of thousands of calls is not throttled; tests of the limits set their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.constantcontact import oauth_login
from tests.sandbox.constantcontact.campaign_helpers import PrivateSandbox
from tests.sandbox.constantcontact.spec import Contract, load_contract
from tests.sandbox.constantcontact.spec_client import ContractClient, TokenSource
from tests.sandbox.constantcontact.spec_conformance import (
    DESELECTED_TESTS,
    ContractLedger,
)
from tests.sandbox_process import SandboxProcess

HERE = Path(__file__).parent

# Tests of spec coverage judge the whole session, so they run after everything else.
RUN_LAST_MARKER = "spec_coverage"

# Limits for ordinary tests: far above the real figures (4 a second, 10,000 a day).
RELAXED_LIMITS = {"requests_per_second": 100_000, "requests_per_day": 100_000_000}
SETTINGS_PATH = "/_sandbox/constantcontact/settings"
OPERATIONS_PATH = "/_sandbox/constantcontact/operations"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{RUN_LAST_MARKER}: judges the whole session; runs after all tests"
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    last = [item for item in items if item.get_closest_marker(RUN_LAST_MARKER)]
    items[:] = [item for item in items if item not in last] + last


def pytest_deselected(items: list[pytest.Item]) -> None:
    ours = [item for item in items if Path(str(item.path)).parent == HERE]

    if ours:
        stash = ours[0].config.stash
        stash[DESELECTED_TESTS] = stash.get(DESELECTED_TESTS, 0) + len(ours)


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract()


@pytest.fixture(scope="session")
def contract_ledger() -> ContractLedger:
    return ContractLedger()


@pytest.fixture(scope="session")
def cc_config(sandbox: Any) -> dict[str, Any]:
    """The `constantcontact` block of the session sandbox's sandbox.json."""
    return sandbox.config["constantcontact"]


@pytest.fixture(scope="session")
def cc_operations(sandbox: Any) -> list[dict[str, str]]:
    """What the sandbox implements: `[{"method", "path", "scope"}]`, spec templates."""
    response = oauth_login.new_session().get(
        sandbox.base_url.rstrip("/") + OPERATIONS_PATH,
        verify=str(sandbox.ca_bundle),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
def cc_tokens(sandbox: Any, cc_config: dict[str, Any]) -> TokenSource:
    return TokenSource(cc_config, str(sandbox.ca_bundle))


@pytest.fixture
def cc_api(
    sandbox: Any,
    cc_config: dict[str, Any],
    cc_tokens: TokenSource,
    contract: Contract,
    contract_ledger: ContractLedger,
) -> ContractClient:
    relax_rate_limits(sandbox)
    return ContractClient(
        cc_config["api_url"],
        str(sandbox.ca_bundle),
        contract,
        contract_ledger,
        cc_tokens,
    )


@pytest.fixture(scope="session")
def cc_api_for(
    contract: Contract, contract_ledger: ContractLedger
) -> Callable[[Any], ContractClient]:
    """A factory: a checking client, with its own grant, for any running sandbox."""

    def make(other_sandbox: Any) -> ContractClient:
        relax_rate_limits(other_sandbox)
        config = other_sandbox.config["constantcontact"]
        tokens = TokenSource(config, str(other_sandbox.ca_bundle))
        return ContractClient(
            config["api_url"],
            str(other_sandbox.ca_bundle),
            contract,
            contract_ledger,
            tokens,
        )

    return make


@pytest.fixture(scope="module")
def cc_private(
    tmp_path_factory: pytest.TempPathFactory,
    cc_api_for: Callable[[Any], ContractClient],
) -> Iterator[PrivateSandbox]:
    process = SandboxProcess(tmp_path_factory.mktemp("cc-private"))
    process.start()

    try:
        yield PrivateSandbox(process, cc_api_for(process))
    finally:
        process.stop()


def relax_rate_limits(sandbox: Any) -> None:
    """Raise the sandbox's per-application limits unless they are raised already."""
    session = oauth_login.new_session()
    url = sandbox.base_url.rstrip("/") + SETTINGS_PATH
    verify = str(sandbox.ca_bundle)
    current = session.get(url, verify=verify, timeout=30)
    current.raise_for_status()

    if all(current.json().get(key) == value for key, value in RELAXED_LIMITS.items()):
        return

    changed = session.patch(url, json=RELAXED_LIMITS, verify=verify, timeout=30)
    changed.raise_for_status()


@pytest.fixture(scope="session")
def cc_grant(sandbox: Any, cc_config: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """A factory of new grants: `cc_grant("contact_data")` answers the consent form
    and returns the token response (for tests of scopes and tokens)."""

    def grant(scope: str = oauth_login.ALL_SCOPES) -> dict[str, Any]:
        return oauth_login.authorize(cc_config, str(sandbox.ca_bundle), scope)

    return grant
