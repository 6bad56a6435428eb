"""Constant Contact's OAuth2 server (authorization code with PKCE, refresh tokens).

`GET {auth_url}/authorize` answers a login-and-consent page whose form posts back to
the same URL; Allow redirects to the client with `code` and `state`, Deny with
`error=access_denied`. Problems with the client or its redirect URI are shown on an
error page (they must never redirect to an unchecked URI); other problems redirect
with the error, as RFC 6749 section 4.1.2.1 says. `POST {auth_url}/token` swaps a code
or a refresh token for tokens (`oauth_token.py`). Error texts follow the Okta server
that authz.constantcontact.com runs.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from .errors import OAuthError
from .oauth_grants import Grant, issue_code
from .oauth_token import answer_token
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
