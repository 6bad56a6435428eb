"""Authentication against the sandbox's Microsoft identity: tenant discovery, msal's
cache, one refresh on 401, TLS with a hostile REQUESTS_CA_BUNDLE, and clean logs."""

from __future__ import annotations

import http.server
import logging
import threading
import uuid

import certifi
import pytest

from pocc import errors
from pocc.config import load_settings
from pocc.dataverse import DataverseClient, Query, column
from pocc.dataverse import auth as auth_module
from pocc.dataverse.auth import DataverseAuth, discover_tenant
from pocc.http import build_session
from tests.dataverse.conftest import client_for, sandbox_environment


def auth_for(sandbox, secret: str | None = None, tenant: str | None = None):
    identity = sandbox.identity
    return DataverseAuth(
        org_url=sandbox.org_url,
        client_id=identity["client_id"],
        client_secret=secret or identity["client_secret"],
        authority_host=identity["authority_host"],
        session=build_session(sandbox.ca_bundle),
        tenant=tenant,
    )


def count_token_requests(auth: DataverseAuth, monkeypatch) -> list[str]:
    posted: list[str] = []
    original = auth._session.post

    def post(url, *args, **kwargs):
        posted.append(url)
        return original(url, *args, **kwargs)

    monkeypatch.setattr(auth._session, "post", post)
    return posted


def test_the_tenant_is_discovered_from_the_bearer_challenge(sandbox):
    assert auth_for(sandbox).tenant == sandbox.identity["tenant_id"]


def test_one_msal_app_per_tenant_and_app_and_its_cache_is_used(sandbox, monkeypatch):
    monkeypatch.setattr(auth_module, "_applications", {})
    first, second = auth_for(sandbox), auth_for(sandbox)
    posted = count_token_requests(first, monkeypatch)

    token = first.token()

    assert first._application() is second._application()
    assert second.token() == token
    assert first.token() == token
    assert len(posted) == 1


def test_refresh_drops_only_the_refused_token(sandbox, monkeypatch):
    monkeypatch.setattr(auth_module, "_applications", {})
    auth = auth_for(sandbox)
    posted = count_token_requests(auth, monkeypatch)
    refused = auth.token()

    fresh = auth.refresh(refused)

    assert len(posted) == 2
    assert auth.token() == fresh
    assert auth.refresh("a token that is no longer cached") == fresh
    assert len(posted) == 2


def test_a_refused_token_is_refreshed_once_and_the_call_succeeds(sandbox, monkeypatch):
    client = client_for(sandbox)
    real_token = client._transport.auth.token
    calls = []

    def first_token_is_garbage():
        calls.append(1)
        return "not-a-valid-token" if len(calls) == 1 else real_token()

    monkeypatch.setattr(client._transport.auth, "token", first_token_is_garbage)

    assert uuid.UUID(client.who_am_i().user_id)


def test_a_wrong_secret_is_an_authentication_error_without_the_secret(sandbox):
    wrong = f"wrong-{uuid.uuid4()}"
    auth = auth_for(sandbox, secret=wrong, tenant=sandbox.identity["tenant_id"])

    with pytest.raises(errors.DataverseAuthenticationError) as raised:
        auth.token()

    assert "AADSTS" in str(raised.value)
    assert wrong not in str(raised.value)


class ForeignChallenge(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header(
            "WWW-Authenticate",
            "Bearer authorization_uri=https://login.evil.example/abc/oauth2/authorize, "
            "resource_id=https://org.example/",
        )
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_challenge_naming_another_authority_is_refused():
    server = http.server.ThreadingHTTPServer(("localhost", 0), ForeignChallenge)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    try:
        org_url = f"http://localhost:{server.server_address[1]}/org"

        with pytest.raises(errors.AuthenticationError, match="will not send"):
            discover_tenant(
                build_session(), org_url, "https://login.microsoftonline.com"
            )
    finally:
        server.shutdown()
        server.server_close()


def test_the_sandbox_works_with_requests_ca_bundle_set_elsewhere(sandbox, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    # A new msal app, so that its discovery and token calls also run under the variable.
    monkeypatch.setattr(auth_module, "_applications", {})
    client = client_for(sandbox)

    campaign_id = client.create("pocc_campaigns", {"pocc_name": "trusted"})

    assert client.retrieve("pocc_campaigns", campaign_id)["pocc_name"] == "trusted"


def test_logs_hold_no_token_secret_or_full_email(sandbox, admin_client, caplog):
    caplog.set_level(logging.DEBUG, logger="pocc")
    email = f"jane.doe+{uuid.uuid4().hex[:6]}@example.com"
    settings = load_settings(sandbox_environment(sandbox))
    client = DataverseClient.from_settings(settings, "contoso")

    admin_client.create("contacts", {"lastname": "Doe", "emailaddress1": email})
    rows = list(
        client.query("contacts", Query(filter=column("emailaddress1").eq(email)))
    )

    with pytest.raises(errors.NotFoundError) as raised:
        client.retrieve("pocc_campaigns", {"pocc_ccid": email})

    logging.getLogger("pocc.test").warning(
        "the caller logs the error: %s", raised.value
    )
    token = client._transport.auth.token()

    assert len(rows) == 1
    assert "pocc_ccid='j***%40example.com'" in caplog.text
    assert email not in caplog.text
    assert email.split("@")[0] not in caplog.text
    assert token not in caplog.text
    assert settings.client_secret not in caplog.text
