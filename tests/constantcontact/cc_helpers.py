"""Helpers for the Constant Contact client tests: settings, stores, the consent form."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pocc.config import Settings
from pocc.constantcontact import Authorization, TokenEndpoint, TokenStore
from pocc.dataverse import DataverseClient
from pocc.http import build_session
from pocc.vault import Vault
from tests.dataverse.conftest import sandbox_environment
from tests.sandbox.constantcontact import oauth_login
from tests.sandbox_process import SandboxProcess

# One key for the whole session, so every process of a test reads the same tokens.
SECRET_KEY = "cG9jYy1jYy1jbGllbnQtdGVzdHMta2V5LTMyYnl0ZXM="
RELAXED_LIMITS = {"requests_per_second": 100_000, "requests_per_day": 100_000_000}
CC_SETTINGS = "constantcontact/settings"


def environment(sandbox: SandboxProcess) -> dict[str, str]:
    """pocc's environment for this sandbox, as an operator would set it."""
    config = sandbox.config["constantcontact"]
    return {
        **sandbox_environment(sandbox),
        "POCC_SECRET_KEY": SECRET_KEY,
        "POCC_CC_AUTH_URL": config["auth_url"],
        "POCC_CC_API_URL": config["api_url"],
        "POCC_PUBLIC_URL": "http://localhost:8000",
        "POCC_CC_REQUESTS_PER_SECOND": "1000",
        "POCC_CC_REQUESTS_PER_DAY": "1000000",
        "POCC_MAX_WAIT_SECONDS": "60",
    }


@contextmanager
def own_sandbox(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[SandboxProcess]:
    """A sandbox process for one test folder alone, its Constant Contact limits
    relaxed so that thousands of calls are never throttled; stopped on exit."""
    process = SandboxProcess(tmp_path_factory.mktemp(name))
    process.start()

    try:
        relax_limits(process)
        yield process
    finally:
        process.stop()


def relax_limits(sandbox: SandboxProcess) -> None:
    answer = sandbox.sandbox_admin("PATCH", CC_SETTINGS, RELAXED_LIMITS)
    assert answer.status_code == 200, answer.text
    sandbox.sandbox_admin("POST", "constantcontact/rate-limits/reset")


def store_for(
    settings: Settings,
    dataverse: DataverseClient,
    configuration_id: str,
    **options: Any,
) -> TokenStore:
    session = build_session(settings.ca_bundle, settings.timeout_seconds)
    endpoint = TokenEndpoint(settings.constant_contact_auth_url, session)
    return TokenStore(
        dataverse, Vault.from_settings(settings), endpoint, configuration_id, **options
    )


def consent(sandbox: SandboxProcess, url: str, allow: bool = True) -> dict[str, str]:
    """Answers the consent page at `url`; the query Constant Contact redirects with."""
    config = sandbox.config["constantcontact"]
    session = oauth_login.new_session()
    verify = str(sandbox.ca_bundle)
    page = session.get(url, verify=verify, timeout=30)
    assert page.status_code == 200, page.text[:500]

    form = oauth_login.read_form(page.text, page.url)
    button = "allow" if allow else "deny"
    answers = {
        **form.fields,
        "username": config["username"],
        "password": config["password"],
        button: form.buttons[button],
    }
    reply = session.request(
        form.method.upper(),
        form.action,
        data=answers,
        allow_redirects=False,
        verify=verify,
        timeout=30,
    )
    assert reply.status_code in (302, 303), reply.text[:500]

    location = urlsplit(reply.headers["Location"])
    assert location.path == "/api/registration/register"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def authorize(
    sandbox: SandboxProcess, settings: Settings, store: TokenStore
) -> dict[str, str]:
    """The whole flow: pocc's authorize URL, the consent form, pocc's callback."""
    authorization = Authorization(settings, "contoso", store)
    returned = consent(sandbox, authorization.start())
    assert returned["orgidname"] == "contoso"
    authorization.finish(returned["code"], returned["state"])
    return returned


def connect(
    sandbox: SandboxProcess,
    settings: Settings,
    dataverse: DataverseClient,
    configuration_id: str,
) -> TokenStore:
    """The configuration row given the sandbox application's id and secret, as the
    setup page saves them, then connected through the whole OAuth flow."""
    application = sandbox.config["constantcontact"]
    store = store_for(settings, dataverse, configuration_id)
    store.save_application(application["client_id"], application["client_secret"])
    authorize(sandbox, settings, store)
    return store


def expire_stored_token(store: TokenStore) -> None:
    """Makes the stored access token look expired, as if a day had passed."""
    store.dataverse.update(
        "pocc_configurations",
        store.configuration_id,
        {"pocc_tokenexpireson": "2000-01-01T00:00:00Z"},
    )
