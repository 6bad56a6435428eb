"""pocc's authorization flow against the sandbox's OAuth server and consent form."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from pocc.config import Settings
from pocc.constantcontact import Authorization, ConstantContactClient, StateSigner
from pocc.dataverse import DataverseClient
from pocc.errors import AuthorizationStateError
from pocc.vault import new_key
from tests.constantcontact import cc_helpers
from tests.sandbox_process import SandboxProcess


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_full_flow_stores_encrypted_tokens_and_the_account(
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> None:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)

    cc_helpers.authorize(cc_sandbox, cc_settings, store)

    row = app_dataverse.retrieve("pocc_configurations", configuration)
    stored = store.read()
    assert stored.access_token
    assert stored.refresh_token
    assert stored.access_token not in json.dumps(row)
    assert stored.refresh_token not in json.dumps(row)
    assert row["pocc_ccaccountname"]
    assert row["pocc_ccaccountid"]
    assert row["pocc_needsreauthentication"] is False

    client = ConstantContactClient.with_store(cc_settings, store)
    assert client.account_summary()["encoded_account_id"] == row["pocc_ccaccountid"]


def test_authorize_url_asks_for_pkce_and_offline_access_with_a_secretless_state(
    cc_settings: Settings, app_dataverse: DataverseClient, configuration: str
) -> None:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)

    url = Authorization(cc_settings, "contoso", store).start()

    query = _query(url)
    assert url.startswith(cc_settings.constant_contact_auth_url + "/authorize?")
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert "offline_access" in query["scope"].split()
    assert query["redirect_uri"] == (
        "http://localhost:8000/api/registration/register?orgidname=contoso"
    )

    body = query["state"].split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert set(payload) == {"o", "n", "x"}
    assert payload["o"] == "contoso"


def test_tampered_state_is_refused_and_nothing_is_stored(
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> None:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    authorization = Authorization(cc_settings, "contoso", store)
    returned = cc_helpers.consent(cc_sandbox, authorization.start())
    body, signature = returned["state"].split(".")
    forged = json.dumps({"o": "contoso", "n": "x", "x": 9_999_999_999}).encode()
    forged_body = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()

    with pytest.raises(AuthorizationStateError, match="not made by pocc"):
        authorization.finish(returned["code"], f"{forged_body}.{signature}")

    with pytest.raises(AuthorizationStateError):
        authorization.finish(returned["code"], body + ".")

    assert store.read().access_token is None


def test_expired_state_is_refused(
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> None:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    signer = StateSigner(cc_settings.secret_keys, lifetime_seconds=-1)
    authorization = Authorization(cc_settings, "contoso", store, signer)
    returned = cc_helpers.consent(cc_sandbox, authorization.start())

    with pytest.raises(AuthorizationStateError, match="expired"):
        authorization.finish(returned["code"], returned["state"])

    assert store.read().access_token is None


def test_state_for_another_organisation_is_refused() -> None:
    signer = StateSigner([new_key()])
    issued = signer.issue("fabrikam")

    with pytest.raises(AuthorizationStateError, match="another organisation"):
        signer.verify(issued.state, "contoso")


def test_state_survives_a_key_rotation_with_the_same_verifier() -> None:
    old, new = new_key(), new_key()
    issued = StateSigner([old]).issue("contoso")

    checked = StateSigner([new, old]).verify(issued.state, "contoso")

    assert checked.code_verifier == issued.code_verifier
    with pytest.raises(AuthorizationStateError):
        StateSigner([new]).verify(issued.state, "contoso")


def test_denied_consent_returns_no_code(
    cc_sandbox: SandboxProcess,
    cc_settings: Settings,
    app_dataverse: DataverseClient,
    configuration: str,
) -> None:
    store = cc_helpers.store_for(cc_settings, app_dataverse, configuration)
    url = Authorization(cc_settings, "contoso", store).start()

    returned = cc_helpers.consent(cc_sandbox, url, allow=False)

    assert returned["error"] == "access_denied"
    assert "code" not in returned
