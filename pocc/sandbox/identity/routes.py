"""The identity endpoints: OIDC discovery, signing keys and the token endpoint.

Paths follow login.microsoftonline.com under the sandbox's `/identity` prefix, so an
msal authority of `{authority_host}/{tenant}` works unchanged. Only the
client-credentials grant exists: the sandbox has no users to sign in interactively,
so the authorization endpoint is advertised (msal requires it in the discovery
document) but not served.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request

from pocc.sandbox.identity import errors
from pocc.sandbox.identity.directory import TOKEN_LIFETIME_SECONDS, IdentityDirectory
from pocc.sandbox.identity.errors import IdentityError

logger = logging.getLogger(__name__)

# Authority path segments that name no tenant; discovery answers for them with the
# `{tenantid}` placeholder in the issuer, as Microsoft's does.
TENANT_INDEPENDENT = ("common", "organizations", "consumers")
RESERVED_SCOPES = ("openid", "profile", "offline_access")
DEFAULT_SCOPE_SUFFIX = "/.default"

blueprint = Blueprint("identity", __name__, url_prefix="/identity")


def directory() -> IdentityDirectory:
    return current_app.extensions["pocc.identity"]


@blueprint.errorhandler(IdentityError)
def answer_identity_error(error: IdentityError) -> Response:
    logger.info("identity refused %s: AADSTS%s", request.path, error.code)
    response = jsonify(error.body(request.headers.get("client-request-id")))
    response.status_code = error.status
    return _no_store(response)


@blueprint.get("/<tenant>/v2.0/.well-known/openid-configuration")
def openid_configuration(tenant: str) -> Response:
    tenant_segment = _discovery_tenant(tenant)
    base = f"{directory().authority_host}/{tenant_segment}"
    independent = tenant_segment in TENANT_INDEPENDENT
    issuer_tenant = "{tenantid}" if independent else directory().tenant_id

    document = {
        "issuer": f"{directory().authority_host}/{issuer_tenant}/v2.0",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
        ],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": ["client_credentials"],
        "request_uri_parameter_supported": False,
        "tenant_region_scope": "NA",
        "cloud_instance_name": "sandbox",
    }
    return _no_store(jsonify(document))


@blueprint.get("/<tenant>/discovery/v2.0/keys")
def json_web_keys(tenant: str) -> Response:
    _discovery_tenant(tenant)
    return jsonify(directory().json_web_keys())


@blueprint.get("/<tenant>/discovery/instance")
def instance_discovery(tenant: str) -> Response:
    """What msal asks when given this host as its instance discovery endpoint.

    msal builds the `authorization_endpoint` it asks about from the authority's host
    name without its port, so the answer matches on host and path and puts the
    sandbox's own port back into the tenant discovery endpoint it returns.
    """
    asked = urlsplit(request.args.get("authorization_endpoint", ""))
    ours = urlsplit(directory().authority_host)
    path = asked.path.removesuffix("/oauth2/v2.0/authorize")

    if asked.hostname != ours.hostname or not path.startswith(ours.path + "/"):
        body = {
            "error": "invalid_instance",
            "error_description": "AADSTS50049: Unknown or invalid instance.",
        }
        response = jsonify(body)
        response.status_code = 400
        return response

    authority = f"{ours.scheme}://{ours.netloc}{path}"
    discovery = f"{authority}/v2.0/.well-known/openid-configuration"
    document = {
        "tenant_discovery_endpoint": discovery,
        "api-version": "1.1",
        "metadata": [
            {
                "preferred_network": ours.netloc,
                "preferred_cache": ours.netloc,
                "aliases": [ours.netloc],
            }
        ],
    }
    return jsonify(document)


@blueprint.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str) -> Response:
    if tenant.lower() != directory().tenant_id:
        raise errors.unknown_tenant(tenant)

    form = request.form
    grant_type = _required(form, "grant_type")

    if grant_type != "client_credentials":
        raise errors.unsupported_grant_type(grant_type)

    client_id, client_secret = _client_credentials()
    application = directory().find_application(client_id)

    if application is None:
        raise errors.unknown_client(client_id, tenant)

    if not client_secret:
        raise errors.missing_client_secret()

    if not hmac.compare_digest(
        client_secret.encode("utf-8"), application.client_secret.encode("utf-8")
    ):
        raise errors.wrong_client_secret(client_id)

    audience = _resource_of(_required(form, "scope"))
    access_token = directory().issue_access_token(application, audience)
    logger.info("issued a token to app %s for %s", application.name, audience)

    body = {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "ext_expires_in": TOKEN_LIFETIME_SECONDS - 1,
        "access_token": access_token,
    }
    return _no_store(jsonify(body))


def _discovery_tenant(tenant: str) -> str:
    """The tenant segment discovery answers for, or the unknown-tenant error."""
    if tenant.lower() in TENANT_INDEPENDENT:
        return tenant.lower()

    if tenant.lower() == directory().tenant_id:
        return directory().tenant_id

    raise errors.unknown_tenant(tenant)


def _client_credentials() -> tuple[str, str]:
    """Client id and secret from the form or, as RFC 6749 allows, HTTP Basic."""
    authorization = request.authorization

    if authorization is not None and authorization.type == "basic":
        return authorization.username or "", authorization.password or ""

    return _required(request.form, "client_id"), request.form.get("client_secret", "")


def _resource_of(scope_parameter: str) -> str:
    """The one resource a client-credentials scope names, in its registered form."""
    scopes = [s for s in scope_parameter.split() if s not in RESERVED_SCOPES]

    if not scopes:
        raise errors.missing_parameter("scope")

    if len(scopes) > 1:
        message = (
            "The provided value for the input parameter 'scope' is not valid. "
            f"The scope {scope_parameter} is not valid."
        )
        raise IdentityError(400, "invalid_scope", 70011, message)

    scope = scopes[0]

    if not scope.endswith(DEFAULT_SCOPE_SUFFIX):
        raise errors.scope_without_default(scope)

    resource = scope.removesuffix(DEFAULT_SCOPE_SUFFIX)
    registered = directory().find_resource(resource)

    if registered is None:
        raise errors.unknown_resource(resource, directory().tenant_name)

    return registered


def _required(form: Any, name: str) -> str:
    value = form.get(name, "")

    if not value:
        raise errors.missing_parameter(name)

    return value


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store, no-cache"
    response.headers["Pragma"] = "no-cache"
    return response
