"""Constant Contact's OAuth2 server (authorization code with PKCE, refresh tokens).

`GET {auth_url}/authorize` answers a login-and-consent page whose form posts back to
the same URL; Allow redirects to the client with `code` and `state`, Deny with
`error=access_denied`. Problems with the client or its redirect URI are shown on an
error page (they must never redirect to an unchecked URI); other problems redirect
with the error, as RFC 6749 section 4.1.2.1 says. `POST {auth_url}/token` swaps a code
or a refresh token for tokens. Error texts follow the Okta server that
authz.constantcontact.com runs.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from .errors import OAuthError
from .oauth_grants import (
    Grant,
    end_earlier_chains,
    find_refresh_grant,
    issue_code,
    issue_refresh_token,
    redeem_code,
    rotate_refresh_token,
    s256,
)
from .service import ConstantContactService

logger = logging.getLogger(__name__)

OAUTH_PATH = "/oauth2/default/v1"
SCOPES = frozenset(
    {
        "account_read",
        "account_update",
        "contact_data",
        "campaign_data",
        "billing_data",
        "offline_access",
        "openid",
        "profile",
    }
)

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


class AuthorizeRefusedError(Exception):
    """An authorize request that is answered by redirecting with an error."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def add_routes(blueprint: Blueprint, service: ConstantContactService) -> None:
    @blueprint.route(OAUTH_PATH + "/authorize", methods=["GET", "POST"])
    def authorize() -> Response | tuple[str, int]:
        return answer_authorize(service)

    @blueprint.post(OAUTH_PATH + "/token")
    def token() -> Response | tuple[Response, int]:
        try:
            body = answer_token(service)
        except OAuthError as error:
            logger.info("Constant Contact token request refused: %s", error.error)
            return no_store(jsonify(error.body())), error.status

        return no_store(jsonify(body))


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def answer_authorize(service: ConstantContactService) -> Response | tuple[str, int]:
    params = request.args
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    registration = service.registration

    if client_id != registration.client_id:
        return error_page("invalid_client", "Invalid value for 'client_id' parameter.")

    if not any(redirect_matches(r, redirect_uri) for r in registration.redirect_uris):
        return error_page(
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the "
            "client app settings.",
        )

    state = params.get("state")

    try:
        scopes = check_authorize_request(params)
    except AuthorizeRefusedError as refused:
        return redirect_with(
            redirect_uri,
            error=refused.error,
            error_description=refused.description,
            state=state,
        )

    if request.method == "GET":
        return consent_page(service, scopes)

    if "deny" in request.form:
        return redirect_with(
            redirect_uri,
            error="access_denied",
            error_description="The resource owner or authorization server denied "
            "the request.",
            state=state,
        )

    if not credentials_match(service, request.form):
        return consent_page(
            service, scopes, "Sign in failed: check the username and password.", 401
        )

    grant = Grant(
        client_id=client_id,
        username=registration.username,
        scopes=scopes,
        redirect_uri=redirect_uri,
        code_challenge=params.get("code_challenge"),
    )
    code = issue_code(service, grant)
    logger.info("Constant Contact sandbox: user allowed %s", " ".join(scopes))
    return redirect_with(redirect_uri, code=code, state=state)


def check_authorize_request(params: dict[str, str]) -> list[str]:
    if params.get("response_type") != "code":
        raise AuthorizeRefusedError(
            "unsupported_response_type",
            "The response type is not supported by the authorization server. "
            "Configured response types: [code].",
        )

    if not params.get("state"):
        raise AuthorizeRefusedError(
            "invalid_request",
            "The authorization request must include a 'state' parameter.",
        )

    scopes = params.get("scope", "").split()

    if not scopes or not set(scopes) <= SCOPES:
        raise AuthorizeRefusedError(
            "invalid_scope",
            "One or more scopes are not configured for the authorization server "
            "resource.",
        )

    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")

    if challenge and method != "S256":
        raise AuthorizeRefusedError(
            "invalid_request",
            "The 'code_challenge_method' parameter must be 'S256'.",
        )

    if method and not challenge:
        raise AuthorizeRefusedError(
            "invalid_request",
            "The 'code_challenge' parameter is required with 'code_challenge_method'.",
        )

    return list(dict.fromkeys(scopes))


def redirect_matches(registered: str, candidate: str) -> bool:
    """Exact match, except that a registered `*` query value matches any value."""
    wanted, given = urlsplit(registered), urlsplit(candidate)

    if (wanted.scheme, wanted.netloc, wanted.path) != (
        given.scheme,
        given.netloc,
        given.path,
    ) or given.fragment:
        return False

    wanted_query = parse_qsl(wanted.query, keep_blank_values=True)
    given_query = parse_qsl(given.query, keep_blank_values=True)

    if [key for key, _ in wanted_query] != [key for key, _ in given_query]:
        return False

    return all(
        want == "*" or want == got
        for (_, want), (_, got) in zip(wanted_query, given_query, strict=True)
    )


def credentials_match(service: ConstantContactService, form: dict[str, str]) -> bool:
    registration = service.registration
    username_ok = hmac.compare_digest(
        form.get("username", "").encode(), registration.username.encode()
    )
    password_ok = hmac.compare_digest(
        form.get("password", "").encode(), registration.password.encode()
    )
    return username_ok and password_ok


def consent_page(
    service: ConstantContactService,
    scopes: list[str],
    message: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "constantcontact_consent.html",
        client_name="pocc",
        scopes=scopes,
        message=message,
        action=request.full_path,
    )
    return page, status


def error_page(error: str, description: str) -> tuple[str, int]:
    logger.info("Constant Contact authorize refused: %s", error)
    page = render_template(
        "constantcontact_oauth_error.html", error=error, description=description
    )
    return page, 400


def redirect_with(target: str, **values: str | None) -> Response:
    parts = urlsplit(target)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in values.items() if value is not None]
    return redirect(urlunsplit(parts._replace(query=urlencode(query))), code=302)


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
