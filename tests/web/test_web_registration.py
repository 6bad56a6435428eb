"""Connecting Constant Contact through the proxy: authorize, consent, register."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from pocc.dataverse import DataverseClient
from tests.constantcontact import cc_helpers
from tests.sandbox_process import SandboxProcess


def start(client: FlaskClient, web_sandbox: SandboxProcess) -> str:
    answer = client.get("/api/registration/authorize?orgidname=contoso")

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(web_sandbox.config["constantcontact"]["auth_url"])
    return location


def test_administrator_connects_an_account_and_sees_its_name(
    client: FlaskClient,
    web_sandbox: SandboxProcess,
    web_admin: DataverseClient,
    configuration_id: str,
) -> None:
    location = start(client, web_sandbox)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [
        "http://localhost:8000/api/registration/register?orgidname=contoso"
    ]

    returned = cc_helpers.consent(web_sandbox, location)
    page = client.get("/api/registration/register", query_string=returned)

    row = web_admin.retrieve("pocc_configurations", configuration_id)
    assert page.status_code == 200
    assert "Constant Contact is connected" in page.text
    assert row["pocc_ccaccountname"]
    assert f"account “{row['pocc_ccaccountname']}” is now connected" in page.text
    assert "contoso" in page.text
    assert row["pocc_refreshtoken"]
    assert row["pocc_needsreauthentication"] is False
    # Stored encrypted: the page and the row never show the token itself.
    assert returned["code"] not in page.text

    ready = client.get("/readyz").json["organizations"]["contoso"]
    assert ready["constant_contact"] == "connected"


def test_a_state_that_pocc_did_not_sign_is_refused_with_what_to_do(
    client: FlaskClient, web_sandbox: SandboxProcess, configuration_id: str
) -> None:
    returned = cc_helpers.consent(web_sandbox, start(client, web_sandbox))
    body, _, signature = returned["state"].partition(".")
    forged = {**returned, "state": f"{body}.{signature[::-1]}"}

    page = client.get("/api/registration/register", query_string=forged)

    assert page.status_code == 400
    assert "expired or was not made by pocc" in page.text
    assert "Authenticate button" in page.text


def test_declined_consent_says_nothing_was_connected(client: FlaskClient) -> None:
    page = client.get(
        "/api/registration/register",
        query_string={"orgidname": "contoso", "error": "access_denied"},
    )

    assert page.status_code == 403
    assert "nothing was connected" in page.text
    assert "choose Allow" in page.text


def test_callback_without_code_or_state_is_refused(client: FlaskClient) -> None:
    page = client.get("/api/registration/register?orgidname=contoso&code=abc")

    assert page.status_code == 400
    assert "no authorization code or state" in page.text


def test_unknown_organisation_gets_a_page_saying_so(client: FlaskClient) -> None:
    for path in ("authorize", "register"):
        page = client.get(
            f"/api/registration/{path}?orgidname=<script>alert(1)</script>"
        )

        assert page.status_code == 404
        assert "Unknown organisation" in page.text
        assert "<script>" not in page.text
