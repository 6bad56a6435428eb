"""Constant Contact OAuth2: consent form, PKCE, codes, refresh rotation, errors.

Error texts are the ones the Okta server behind authz.constantcontact.com gives
(reference notes, section 2.5, and public issue threads quoting them).
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.sandbox.constantcontact import oauth_login

SCOPES = "account_read contact_data campaign_data offline_access"


class Flow:
    """One authorization, step by step, answered the way a person would."""

    def __init__(self, sandbox: Any, scope: str = SCOPES, pkce: bool = True) -> None:
        self.config = sandbox.config["constantcontact"]
        self.verify = str(sandbox.ca_bundle)
        self.session = oauth_login.new_session()
        self.state = secrets.token_hex(8)
        self.redirect_uri = self.config["redirect_uris"][0].replace("*", "fabrikam")
        self.verifier, challenge = oauth_login.pkce_pair()
        self.params = {
            "client_id": self.config["client_id"],
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": self.state,
        }

        if pkce:
            self.params |= {
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }

    def page(self, **changes: str) -> requests.Response:
        return self.session.get(
            self.config["auth_url"] + "/authorize",
            params={**self.params, **changes},
            verify=self.verify,
            allow_redirects=False,
            timeout=30,
        )

    def answer(
        self, button: str = "allow", password: str | None = None
    ) -> requests.Response:
        page = self.page()
        assert page.status_code == 200, page.text
        form = oauth_login.read_form(page.text, page.url)
        assert {"username", "password"} <= set(form.fields)
        assert {"allow", "deny"} <= set(form.buttons)
        answers = {
            **form.fields,
            "username": self.config["username"],
            "password": self.config["password"] if password is None else password,
            button: form.buttons[button],
        }
        return self.session.post(
            requests.compat.urljoin(page.url, form.action),
            data=answers,
            verify=self.verify,
            allow_redirects=False,
            timeout=30,
        )

    def code(self) -> str:
        reply = self.answer()
        assert reply.status_code == 302, reply.text
        returned = parse_qs(urlsplit(reply.headers["Location"]).query)
        assert returned["state"] == [self.state]
        return returned["code"][0]

    def token(
        self, auth: tuple[str, str] | None = None, **fields: str
    ) -> requests.Response:
        return self.session.post(
            self.config["auth_url"] + "/token",
            auth=auth or (self.config["client_id"], self.config["client_secret"]),
            data=fields,
            verify=self.verify,
            timeout=30,
        )

    def exchange(self, code: str, **changes: str) -> requests.Response:
        fields = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        return self.token(**{**fields, **changes})

    def api(self, token: str, path: str) -> requests.Response:
        return self.session.get(
            self.config["api_url"] + path,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            verify=self.verify,
            timeout=30,
        )


def oauth_error(response: requests.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    return body["error_description"]


def test_full_flow_with_pkce_gives_tokens_that_open_the_api(sandbox: Any) -> None:
    flow = Flow(sandbox)

    answer = flow.exchange(flow.code())

    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 86_400
    assert tokens["scope"] == SCOPES
    assert tokens["refresh_token"]
    assert flow.api(tokens["access_token"], "/account/summary").status_code == 200


def test_refresh_rotates_and_the_old_token_then_fails(sandbox: Any) -> None:
    flow = Flow(sandbox)
    first = flow.exchange(flow.code()).json()

    renewed = flow.token(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    again = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"])

    assert renewed.status_code == 200, renewed.text
    new_tokens = renewed.json()
    assert new_tokens["refresh_token"] != first["refresh_token"]
    assert flow.api(new_tokens["access_token"], "/account/summary").status_code == 200
    description = oauth_error(again, 400, "invalid_grant")
    assert description == "The refresh token is invalid or expired."
    chained = flow.token(
        grant_type="refresh_token", refresh_token=new_tokens["refresh_token"]
    )
    assert chained.status_code == 200


def test_refresh_token_unused_for_180_days_expires(sandbox: Any) -> None:
    flow = Flow(sandbox)
    tokens = flow.exchange(flow.code()).json()

    with sandbox.settings({"constantcontact": {"refresh_token_idle_days": 0}}):
        answer = flow.token(
            grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )

    oauth_error(answer, 400, "invalid_grant")


def test_without_offline_access_there_is_no_refresh_token(sandbox: Any) -> None:
    flow = Flow(sandbox, scope="account_read contact_data")

    tokens = flow.exchange(flow.code()).json()

    assert "refresh_token" not in tokens
    assert tokens["scope"] == "account_read contact_data"


def test_a_new_authorization_ends_the_earlier_refresh_chain(sandbox: Any) -> None:
    earlier = Flow(sandbox)
    earlier_tokens = earlier.exchange(earlier.code()).json()
    later = Flow(sandbox)
    later.exchange(later.code())

    answer = earlier.token(
        grant_type="refresh_token", refresh_token=earlier_tokens["refresh_token"]
    )

    oauth_error(answer, 400, "invalid_grant")


def test_deny_redirects_with_access_denied_and_the_state(sandbox: Any) -> None:
    flow = Flow(sandbox)

    reply = flow.answer("deny")

    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith("http://localhost:8000/api/registration/register?")
    returned = parse_qs(urlsplit(location).query)
    assert returned["error"] == ["access_denied"]
    assert returned["state"] == [flow.state]
    assert returned["orgidname"] == ["fabrikam"]
    assert "code" not in returned


def test_a_wrong_password_shows_the_form_again_without_a_code(sandbox: Any) -> None:
    reply = Flow(sandbox).answer(password="not-the-password")

    assert reply.status_code == 401
    assert "Location" not in reply.headers
    assert 'name="allow"' in reply.text


def test_unknown_client_and_unregistered_redirect_get_an_error_page(
    sandbox: Any,
) -> None:
    flow = Flow(sandbox)

    unknown_client = flow.page(client_id="00000000-0000-0000-0000-000000000000")
    elsewhere = flow.page(redirect_uri="https://evil.example/callback?orgidname=x")
    other_path = flow.page(redirect_uri="http://localhost:8000/api/other?orgidname=x")

    for page in (unknown_client, elsewhere, other_path):
        assert page.status_code == 400
        assert "Location" not in page.headers


def test_the_wildcard_matches_any_org_name(sandbox: Any) -> None:
    flow = Flow(sandbox)

    assert flow.page(redirect_uri=flow.redirect_uri.replace("fabrikam", "contoso")).ok


def test_an_unknown_scope_redirects_with_invalid_scope(sandbox: Any) -> None:
    reply = Flow(sandbox, scope="contact_data all_the_things").page()

    assert reply.status_code == 302
    assert parse_qs(urlsplit(reply.headers["Location"]).query)["error"] == [
        "invalid_scope"
    ]


def test_a_bad_secret_or_unknown_client_is_invalid_client(sandbox: Any) -> None:
    flow = Flow(sandbox)
    code = flow.code()
    client_id = flow.config["client_id"]

    bad_secret = flow.token(
        auth=(client_id, "wrong"), grant_type="authorization_code", code=code
    )
    unknown = flow.token(
        auth=("someone-else", "x"), grant_type="authorization_code", code=code
    )

    oauth_error(bad_secret, 401, "invalid_client")
    oauth_error(unknown, 401, "invalid_client")
    assert flow.exchange(code).status_code == 200, (
        "refused requests must not spend the code"
    )


def test_a_code_is_single_use(sandbox: Any) -> None:
    flow = Flow(sandbox)
    code = flow.code()
    assert flow.exchange(code).status_code == 200

    description = oauth_error(flow.exchange(code), 400, "invalid_grant")

    assert description == "The authorization code is invalid or has expired."


def test_a_code_expires(sandbox: Any) -> None:
    flow = Flow(sandbox)

    with sandbox.settings({"constantcontact": {"authorization_code_seconds": 0}}):
        code = flow.code()

    oauth_error(flow.exchange(code), 400, "invalid_grant")


def test_the_redirect_uri_must_match_the_authorize_request(sandbox: Any) -> None:
    flow = Flow(sandbox)
    other = flow.redirect_uri.replace("fabrikam", "contoso")

    description = oauth_error(
        flow.exchange(flow.code(), redirect_uri=other), 400, "invalid_grant"
    )

    assert "redirect_uri" in description


@pytest.mark.parametrize(
    "verifier", ["", "a-verifier-that-does-not-match-the-challenge"]
)
def test_pkce_needs_the_matching_verifier(sandbox: Any, verifier: str) -> None:
    flow = Flow(sandbox)
    code = flow.code()
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.redirect_uri,
    }

    if verifier:
        fields["code_verifier"] = verifier

    description = oauth_error(flow.token(**fields), 400, "invalid_grant")

    assert description == "PKCE verification failed."


def test_without_a_challenge_no_verifier_is_needed(sandbox: Any) -> None:
    flow = Flow(sandbox, pkce=False)

    answer = flow.exchange(flow.code(), code_verifier="")

    assert answer.status_code == 200, answer.text


def test_an_unsupported_grant_type(sandbox: Any) -> None:
    oauth_error(
        Flow(sandbox).token(grant_type="password"), 400, "unsupported_grant_type"
    )


def test_a_token_without_the_scope_gets_403(sandbox: Any) -> None:
    flow = Flow(sandbox, scope="account_read")
    token = flow.exchange(flow.code()).json()["access_token"]

    refused = flow.api(token, "/contacts")

    assert refused.status_code == 403
    assert isinstance(refused.json(), list)
    assert flow.api(token, "/account/summary").status_code == 200


def test_an_expired_or_missing_access_token_gets_401_as_one_object(
    sandbox: Any,
) -> None:
    flow = Flow(sandbox)

    with sandbox.settings({"constantcontact": {"access_token_seconds": 1}}):
        token = flow.exchange(flow.code()).json()["access_token"]

    time.sleep(1.5)
    expired = flow.api(token, "/account/summary")
    forged = flow.api(token[:-4] + "AAAA", "/account/summary")

    for answer in (expired, forged):
        assert answer.status_code == 401
        assert answer.json() == {
            "error_key": "unauthorized",
            "error_message": "Unauthorized",
        }
