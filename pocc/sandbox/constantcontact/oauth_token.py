"""Constant Contact's OAuth2 token endpoint: `POST {auth_url}/token`.

It swaps an authorization code (with its PKCE verifier when the authorize request
carried a challenge) or a refresh token for tokens. Refresh tokens rotate: each use
returns a new one and the old one then fails with `invalid_grant`. Error texts follow
the Okta server that authz.constantcontact.com runs; the authorize side and the
routes are in `oauth.py`.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import request

from .errors import OAuthError
from .oauth_grants import (
    Grant,
    end_earlier_chains,
    find_refresh_grant,
    issue_refresh_token,
    redeem_code,
    rotate_refresh_token,
    s256,
)
from .service import ConstantContactService

INVALID_CLIENT = (
    "Client authentication failed. Either the client or the client credentials are "
    "invalid."
)
INVALID_CODE = "The authorization code is invalid or has expired."
INVALID_REFRESH = "The refresh token is invalid or expired."
REDIRECT_MISMATCH = (
    "The 'redirect_uri' does not match the redirection URI used in the "
    "authorization request."
)
PKCE_FAILED = "PKCE verification failed."


def answer_token(service: ConstantContactService) -> dict[str, object]:
    # Constant Contact's own examples put the fields in the query string of the
    # POST; most clients send a form body. Both are accepted, the body first.
    fields = {**request.args.to_dict(), **request.form.to_dict()}
    client_id, secret = client_credentials(fields)
    grant_type = fields.get("grant_type")

    if grant_type == "authorization_code":
        grant = exchange_code(service, fields, client_id, secret)
        refresh = None

        if "offline_access" in grant.scopes:
            end_earlier_chains(service, grant)
            refresh = issue_refresh_token(service, grant)

    elif grant_type == "refresh_token":
        grant, refresh = exchange_refresh_token(service, fields, client_id, secret)

    elif not grant_type:
        raise OAuthError(
            400, "invalid_request", "The token request must specify a 'grant_type'."
        )
    else:
        raise OAuthError(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization "
            "server. Configured grant types: [authorization_code, refresh_token].",
        )

    return token_response(service, grant, refresh)


def client_credentials(fields: dict[str, str]) -> tuple[str, str | None]:
    """The client id and secret from HTTP Basic (documented) or form fields."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")

    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise OAuthError(401, "invalid_client", INVALID_CLIENT) from error

        client_id, separator, secret = decoded.partition(":")

        if not separator:
            raise OAuthError(401, "invalid_client", INVALID_CLIENT)

        return client_id, secret

    if "client_id" not in fields:
        raise OAuthError(401, "invalid_client", INVALID_CLIENT)

    return fields["client_id"], fields.get("client_secret")


def authenticate_client(
    service: ConstantContactService, client_id: str, secret: str | None, public: bool
) -> None:
    """A known client with its secret; a PKCE grant may omit the secret."""
    registration = service.registration

    if client_id != registration.client_id:
        raise OAuthError(401, "invalid_client", INVALID_CLIENT)

    if secret is None and public:
        return

    if secret is None or not hmac.compare_digest(
        secret.encode(), registration.client_secret.encode()
    ):
        raise OAuthError(
            401,
            "invalid_client",
            "The client secret supplied for a confidential client is invalid.",
        )


def exchange_code(
    service: ConstantContactService,
    fields: dict[str, str],
    client_id: str,
    secret: str | None,
) -> Grant:
    verifier = fields.get("code_verifier") or None
    authenticate_client(service, client_id, secret, public=verifier is not None)

    if not fields.get("code"):
        raise OAuthError(
            400, "invalid_request", "The token request must specify a 'code'."
        )

    grant = redeem_code(service, fields["code"])

    if grant is None or grant.client_id != client_id:
        raise OAuthError(400, "invalid_grant", INVALID_CODE)

    if fields.get("redirect_uri") != grant.redirect_uri:
        raise OAuthError(400, "invalid_grant", REDIRECT_MISMATCH)

    if grant.code_challenge is None and verifier is not None:
        raise OAuthError(400, "invalid_grant", PKCE_FAILED)

    if grant.code_challenge is not None and (
        verifier is None
        or not hmac.compare_digest(s256(verifier), grant.code_challenge)
    ):
        raise OAuthError(400, "invalid_grant", PKCE_FAILED)

    return Grant(
        client_id=grant.client_id,
        username=grant.username,
        scopes=grant.scopes,
        redirect_uri=grant.redirect_uri,
        code_challenge=grant.code_challenge,
        public_client=secret is None,
    )


def exchange_refresh_token(
    service: ConstantContactService,
    fields: dict[str, str],
    client_id: str,
    secret: str | None,
) -> tuple[Grant, str]:
    if client_id != service.registration.client_id:
        raise OAuthError(401, "invalid_client", INVALID_CLIENT)

    if not fields.get("refresh_token"):
        raise OAuthError(
            400, "invalid_request", "The token request must specify a 'refresh_token'."
        )

    # The client is checked before the token is spent, so that a wrong secret
    # cannot burn a good refresh token.
    known = find_refresh_grant(service, fields["refresh_token"])

    if known is None or known.client_id != client_id:
        raise OAuthError(400, "invalid_grant", INVALID_REFRESH)

    authenticate_client(service, client_id, secret, public=known.public_client)
    requested = fields.get("scope", "").split()

    if requested and not set(requested) <= set(known.scopes):
        raise OAuthError(
            400,
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )

    rotated = rotate_refresh_token(service, fields["refresh_token"])

    if rotated is None:
        raise OAuthError(400, "invalid_grant", INVALID_REFRESH)

    return rotated


def token_response(
    service: ConstantContactService, grant: Grant, refresh: str | None
) -> dict[str, object]:
    access_token, lifetime = service.tokens.issue(
        grant.client_id, grant.username, grant.scopes
    )
    body: dict[str, object] = {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "access_token": access_token,
        "scope": " ".join(grant.scopes),
    }

    if refresh is not None:
        body["refresh_token"] = refresh

    if "openid" in grant.scopes:
        body["id_token"] = service.tokens.issue_id_token(
            grant.client_id, grant.username
        )

    return body
