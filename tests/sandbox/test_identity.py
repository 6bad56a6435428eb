"""Microsoft identity in the sandbox, driven by unmodified msal and by plain HTTP.

Error bodies are compared with what login.microsoftonline.com answers (issue threads
quoting real responses: AADSTS7000215 with 401 invalid_client, AADSTS700016 with
unauthorized_client, AADSTS90002 with invalid_tenant from OIDC discovery, AADSTS500011
with invalid_resource; each carrying error_codes, timestamp, trace_id and
correlation_id, and the description ending in Trace ID / Correlation ID / Timestamp).
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import jwt
import msal
import pytest

from pocc.sandbox.identity import IdentityDirectory, InvalidToken
from tests.sandbox_process import SandboxProcess

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$")


def msal_app(
    sandbox: SandboxProcess,
    client_id: str | None = None,
    secret: str | None = None,
    tenant: str | None = None,
) -> msal.ConfidentialClientApplication:
    identity = sandbox.identity
    authority = f"{identity['authority_host']}/{tenant or identity['tenant_id']}"
    return msal.ConfidentialClientApplication(
        client_id or identity["client_id"],
        authority=authority,
        client_credential=secret or identity["client_secret"],
        instance_discovery=False,
        http_client=sandbox.http(),
    )


def token_url(sandbox: SandboxProcess, tenant: str | None = None) -> str:
    identity = sandbox.identity
    tenant = tenant or identity["tenant_id"]
    return f"{identity['authority_host']}/{tenant}/oauth2/v2.0/token"


def client_credentials(sandbox: SandboxProcess, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": sandbox.identity["client_id"],
        "client_secret": sandbox.identity["client_secret"],
        "scope": f"{sandbox.org_url}/.default",
    }
    form.update(overrides)
    return form


def assert_microsoft_error(body: dict, error: str, code: int) -> None:
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert TIMESTAMP.match(body["timestamp"])
    uuid.UUID(body["trace_id"])
    uuid.UUID(body["correlation_id"])
    assert f"\r\nTrace ID: {body['trace_id']}\r\n" in body["error_description"]
    assert (
        f"\r\nCorrelation ID: {body['correlation_id']}\r\n" in body["error_description"]
    )
    assert body["error_description"].endswith(f"Timestamp: {body['timestamp']}")


def test_msal_gets_a_token_then_serves_it_from_its_cache(
    sandbox: SandboxProcess,
) -> None:
    app = msal_app(sandbox)
    scopes = [f"{sandbox.org_url}/.default"]

    first = app.acquire_token_for_client(scopes)
    second = app.acquire_token_for_client(scopes)

    assert first["token_type"] == "Bearer"
    assert 3500 <= first["expires_in"] <= 3600
    assert first["token_source"] == "identity_provider"
    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]


def test_token_claims_name_the_org_tenant_and_app(sandbox: SandboxProcess) -> None:
    identity = sandbox.identity
    result = msal_app(sandbox).acquire_token_for_client([f"{sandbox.org_url}/.default"])

    header = jwt.get_unverified_header(result["access_token"])
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})

    assert header["alg"] == "RS256"
    assert claims["aud"] == sandbox.org_url
    assert claims["iss"] == f"{identity['authority_host']}/{identity['tenant_id']}/v2.0"
    assert claims["tid"] == identity["tenant_id"]
    assert claims["appid"] == claims["azp"] == identity["client_id"]
    uuid.UUID(claims["oid"])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["nbf"] <= time.time() + 5 < claims["exp"]


def test_token_verifies_against_the_published_signing_keys(
    sandbox: SandboxProcess,
) -> None:
    identity = sandbox.identity
    discovery_url = (
        f"{identity['authority_host']}/{identity['tenant_id']}"
        "/v2.0/.well-known/openid-configuration"
    )
    discovery = sandbox.http().get(discovery_url).json()
    keys = sandbox.http().get(discovery["jwks_uri"]).json()["keys"]
    access_token = sandbox.token("admin")

    key_id = jwt.get_unverified_header(access_token)["kid"]
    signing_key = next(jwt.PyJWK(k) for k in keys if k["kid"] == key_id)
    claims = jwt.decode(
        access_token,
        signing_key.key,
        algorithms=["RS256"],
        audience=sandbox.org_url,
        issuer=discovery["issuer"],
    )

    assert claims["appid"] == identity["admin_client_id"]
    assert discovery["token_endpoint"] == token_url(sandbox)


def test_tenant_independent_discovery_names_no_tenant(sandbox: SandboxProcess) -> None:
    authority_host = sandbox.identity["authority_host"]

    for tenant in ("common", "organizations"):
        url = f"{authority_host}/{tenant}/v2.0/.well-known/openid-configuration"
        document = sandbox.http().get(url).json()

        assert document["issuer"] == f"{authority_host}/{{tenantid}}/v2.0"
        assert (
            document["token_endpoint"] == f"{authority_host}/{tenant}/oauth2/v2.0/token"
        )


def test_instance_discovery_points_msal_at_the_tenant_document(
    sandbox: SandboxProcess,
) -> None:
    identity = sandbox.identity
    authority = f"{identity['authority_host']}/{identity['tenant_id']}"
    app = msal.ConfidentialClientApplication(
        identity["client_id"],
        authority=authority,
        client_credential=identity["client_secret"],
        instance_discovery=f"{identity['authority_host']}/common/discovery/instance",
        http_client=sandbox.http(),
    )

    result = app.acquire_token_for_client([f"{sandbox.org_url}/.default"])

    assert "access_token" in result, result


def test_wrong_secret_is_401_invalid_client_7000215(sandbox: SandboxProcess) -> None:
    app = msal_app(sandbox, secret="not-the-secret")

    result = app.acquire_token_for_client([f"{sandbox.org_url}/.default"])
    raw = sandbox.http().post(
        token_url(sandbox), data=client_credentials(sandbox, client_secret="wrong")
    )

    assert_microsoft_error(result, "invalid_client", 7000215)
    assert sandbox.identity["client_id"] in result["error_description"]
    assert raw.status_code == 401
    assert_microsoft_error(raw.json(), "invalid_client", 7000215)


def test_correlation_id_echoes_the_client_request_id(sandbox: SandboxProcess) -> None:
    request_id = str(uuid.uuid4())

    answer = sandbox.http().post(
        token_url(sandbox),
        data=client_credentials(sandbox, client_secret="wrong"),
        headers={"client-request-id": request_id},
    )

    assert answer.json()["correlation_id"] == request_id


def test_unknown_client_is_400_unauthorized_client_700016(
    sandbox: SandboxProcess,
) -> None:
    stranger = str(uuid.uuid4())

    result = msal_app(sandbox, client_id=stranger).acquire_token_for_client(
        [f"{sandbox.org_url}/.default"]
    )
    raw = sandbox.http().post(
        token_url(sandbox), data=client_credentials(sandbox, client_id=stranger)
    )

    assert_microsoft_error(result, "unauthorized_client", 700016)
    assert f"'{stranger}'" in result["error_description"]
    assert raw.status_code == 400


def test_unknown_tenant_fails_discovery_with_90002(sandbox: SandboxProcess) -> None:
    stranger = str(uuid.uuid4())
    discovery = (
        f"{sandbox.identity['authority_host']}/{stranger}"
        "/v2.0/.well-known/openid-configuration"
    )

    answer = sandbox.http().get(discovery)
    token_answer = sandbox.http().post(
        token_url(sandbox, stranger), data=client_credentials(sandbox)
    )

    assert answer.status_code == 400
    assert_microsoft_error(answer.json(), "invalid_tenant", 90002)
    assert f"Tenant '{stranger}' not found" in answer.json()["error_description"]
    assert token_answer.status_code == 400
    assert_microsoft_error(token_answer.json(), "invalid_tenant", 90002)

    # msal reads the tenant's discovery document when the app is built.
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal_app(sandbox, tenant=stranger)


def test_scope_for_an_unknown_resource_is_400_invalid_resource_500011(
    sandbox: SandboxProcess,
) -> None:
    unknown_org = f"{sandbox.base_url}/dataverse/nowhere"

    result = msal_app(sandbox).acquire_token_for_client([f"{unknown_org}/.default"])
    raw = sandbox.http().post(
        token_url(sandbox),
        data=client_credentials(sandbox, scope=f"{unknown_org}/.default"),
    )

    assert_microsoft_error(result, "invalid_resource", 500011)
    assert f"resource principal named {unknown_org} " in result["error_description"]
    assert raw.status_code == 400


def test_scope_without_default_is_refused_for_client_credentials(
    sandbox: SandboxProcess,
) -> None:
    answer = sandbox.http().post(
        token_url(sandbox),
        data=client_credentials(sandbox, scope=f"{sandbox.org_url}/user_impersonation"),
    )

    assert answer.status_code == 400
    assert_microsoft_error(answer.json(), "invalid_scope", 1002012)


def test_missing_grant_type_and_unsupported_grant(sandbox: SandboxProcess) -> None:
    form = client_credentials(sandbox)
    del form["grant_type"]

    missing = sandbox.http().post(token_url(sandbox), data=form)
    unsupported = sandbox.http().post(
        token_url(sandbox), data=client_credentials(sandbox, grant_type="password")
    )

    assert missing.status_code == 400
    assert_microsoft_error(missing.json(), "invalid_request", 900144)
    assert "'grant_type'" in missing.json()["error_description"]
    assert_microsoft_error(unsupported.json(), "unsupported_grant_type", 70003)


def test_client_secret_may_come_by_http_basic(sandbox: SandboxProcess) -> None:
    identity = sandbox.identity
    form = {"grant_type": "client_credentials", "scope": f"{sandbox.org_url}/.default"}

    answer = sandbox.http().post(
        token_url(sandbox),
        data=form,
        auth=(identity["admin_client_id"], identity["admin_client_secret"]),
    )

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"].startswith("no-store")


def test_double_slash_default_scope_names_the_same_org(sandbox: SandboxProcess) -> None:
    # Microsoft accepts "https://org.crm.dynamics.com//.default" as well.
    answer = sandbox.http().post(
        token_url(sandbox),
        data=client_credentials(sandbox, scope=f"{sandbox.org_url}//.default"),
    )

    claims = jwt.decode(
        answer.json()["access_token"], options={"verify_signature": False}
    )
    assert claims["aud"] == sandbox.org_url


# -- IdentityDirectory.verify_access_token, the check the Dataverse sandbox makes ----


@pytest.fixture
def directory(tmp_path: Path) -> IdentityDirectory:
    directory = IdentityDirectory.open(
        tmp_path / "identity", "https://localhost:1/identity"
    )
    directory.register_resource("https://localhost:1/dataverse/contoso")
    return directory


def test_verify_accepts_its_own_token(directory: IdentityDirectory) -> None:
    application = directory.applications["pocc"]
    token = directory.issue_access_token(
        application, "https://localhost:1/dataverse/contoso"
    )

    claims = directory.verify_access_token(
        token, "https://localhost:1/dataverse/contoso/"
    )

    assert claims.app_id == application.client_id
    assert claims.tenant_id == directory.tenant_id
    assert claims.object_id == application.object_id
    assert (claims.expires_at - claims.issued_at).total_seconds() == 3600


def test_verify_refuses_another_audience(directory: IdentityDirectory) -> None:
    token = directory.issue_access_token(
        directory.applications["pocc"], "https://localhost:1/dataverse/contoso"
    )

    with pytest.raises(InvalidToken, match="not for"):
        directory.verify_access_token(token, "https://localhost:1/dataverse/fabrikam")


def test_verify_refuses_an_expired_token(directory: IdentityDirectory) -> None:
    application = directory.applications["pocc"]
    now = int(time.time())
    claims = {
        "aud": "https://localhost:1/dataverse/contoso",
        "iss": directory.issuer,
        "iat": now - 7200,
        "nbf": now - 7200,
        "exp": now - 3600,
        "appid": application.client_id,
        "tid": directory.tenant_id,
        "oid": application.object_id,
    }
    token = jwt.encode(claims, directory._signing_key, algorithm="RS256")

    with pytest.raises(InvalidToken, match="expired"):
        directory.verify_access_token(token, "https://localhost:1/dataverse/contoso")


def test_verify_refuses_a_token_signed_by_another_tenant(
    directory: IdentityDirectory, tmp_path: Path
) -> None:
    other = IdentityDirectory.open(tmp_path / "other", "https://localhost:1/identity")
    token = other.issue_access_token(
        other.applications["pocc"], "https://localhost:1/dataverse/contoso"
    )

    with pytest.raises(InvalidToken):
        directory.verify_access_token(token, "https://localhost:1/dataverse/contoso")


def test_verify_refuses_a_tampered_token(directory: IdentityDirectory) -> None:
    token = directory.issue_access_token(
        directory.applications["pocc"], "https://localhost:1/dataverse/contoso"
    )
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"1.0"', b'"2.0"')
    ).decode()

    with pytest.raises(InvalidToken):
        directory.verify_access_token(
            f"{header}.{forged}.{signature}", "https://localhost:1/dataverse/contoso"
        )


def test_directory_is_the_same_after_reopening(
    directory: IdentityDirectory, tmp_path: Path
) -> None:
    token = directory.issue_access_token(
        directory.applications["admin"], "https://localhost:1/dataverse/contoso"
    )

    reopened = IdentityDirectory.open(
        tmp_path / "identity", "https://localhost:1/identity"
    )

    assert reopened.tenant_id == directory.tenant_id
    assert reopened.applications == directory.applications
    assert reopened.verify_access_token(token, "https://localhost:1/dataverse/contoso")
