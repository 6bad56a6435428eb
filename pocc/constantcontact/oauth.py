"""Constant Contact's OAuth2 server: the authorize URL, the code exchange, refreshes.

Authorization code with PKCE (reference notes, section 2): the browser goes to
`{auth_url}/authorize` with a signed `state` and an S256 challenge, comes back to
`{public_url}/api/registration/register?orgidname=ORG` with a code, and pocc swaps the
code at `{auth_url}/token` with HTTP Basic client authentication and the verifier.
Refresh tokens rotate: each refresh returns a new one and kills the old, which is why
refreshing is `TokenStore`'s job and this module only speaks the protocol.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from pocc.constantcontact.oauth_state import IssuedState
from pocc.errors import (
    ConstantContactError,
    PoccError,
    ServiceUnavailableError,
    UnexpectedResponseError,
    constant_contact_error,
    constant_contact_failure,
)

logger = logging.getLogger(__name__)

# What pocc needs: the account, contacts and lists, campaigns and their reports, and a
# refresh token (only granted with offline_access).
SCOPES = ("account_read", "contact_data", "campaign_data", "offline_access")
REGISTER_PATH = "/api/registration/register"
# Token requests lost on the way are retried this often, with these pauses.
TOKEN_ATTEMPTS = 3
TOKEN_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class ClientCredentials:
    """The Constant Contact application: API key (client id) and its secret."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class TokenSet:
    """Tokens from one answer of the token endpoint; never printed."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    scope: str = ""


class RefreshAnswerLostError(PoccError):
    """A refresh request may have reached Constant Contact, but its answer did not
    come back; the refresh token it carried may now be spent."""


def redirect_uri(public_url: str, organization: str) -> str:
    """Where Constant Contact sends the browser back (contract: the path)."""
    query = urlencode({"orgidname": organization})
    return f"{public_url.rstrip('/')}{REGISTER_PATH}?{query}"


def authorize_url(
    auth_url: str,
    client_id: str,
    redirect_to: str,
    issued: IssuedState,
    scopes: tuple[str, ...] = SCOPES,
) -> str:
    """The consent page URL with the signed state and the PKCE challenge."""
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_to,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": issued.state,
            "code_challenge": issued.code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{auth_url.rstrip('/')}/authorize?{query}"


class TokenEndpoint:
    """`POST {auth_url}/token` for one deployment (its session and CA bundle)."""

    def __init__(self, auth_url: str, session: requests.Session) -> None:
        self.url = auth_url.rstrip("/") + "/token"
        self.session = session

    def exchange_code(
        self,
        credentials: ClientCredentials,
        code: str,
        code_verifier: str,
        redirect_to: str,
    ) -> TokenSet:
        """Tokens for an authorization code (single use, about 5 minutes)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_to,
            "code_verifier": code_verifier,
        }
        # A code is spent by the first request that reaches the server, so only a
        # request that never left is tried again.
        return self._request(credentials, form, "exchanging the authorization code")

    def refresh(self, credentials: ClientCredentials, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token, which this call spends."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._request(
            credentials, form, "refreshing the access token", repeat_lost=True
        )

    def _request(
        self,
        credentials: ClientCredentials,
        form: dict[str, str],
        doing: str,
        repeat_lost: bool = False,
    ) -> TokenSet:
        lost = False

        for attempt in range(1, TOKEN_ATTEMPTS + 1):
            try:
                response = self.session.post(
                    self.url,
                    data=form,
                    auth=(credentials.client_id, credentials.client_secret),
                    headers={"Accept": "application/json"},
                )
            except requests.ConnectTimeout as failure:
                self._pause_or_fail(attempt, failure, doing)
                continue
            except (requests.ConnectionError, requests.Timeout) as failure:
                if not repeat_lost:
                    raise _lost(failure, doing) from failure

                lost = True
                self._pause_or_fail(attempt, failure, doing)
                continue

            if response.status_code in (502, 503, 504) and attempt < TOKEN_ATTEMPTS:
                time.sleep(TOKEN_RETRY_SECONDS * attempt)
                continue

            return self._answer(response, doing, lost)

        raise _lost(None, doing)

    def _pause_or_fail(self, attempt: int, failure: BaseException, doing: str) -> None:
        logger.warning(
            "Constant Contact token endpoint: %s while %s (attempt %s)",
            type(failure).__name__,
            doing,
            attempt,
        )

        if attempt == TOKEN_ATTEMPTS:
            raise _lost(failure, doing) from failure

        time.sleep(TOKEN_RETRY_SECONDS * attempt)

    def _answer(self, response: requests.Response, doing: str, lost: bool) -> TokenSet:
        text = response.content.decode("utf-8", errors="replace")

        if response.status_code != 200:
            error = constant_contact_error(
                response.status_code,
                response.headers,
                text,
                method="POST",
                path="/token",
                doing=doing,
            )

            if lost and error.code == "invalid_grant":
                raise RefreshAnswerLostError(str(error)) from error

            raise error

        return token_set(_json(response, doing), doing)


def token_set(body: Any, doing: str) -> TokenSet:
    """Tokens from a token endpoint answer; `expires_in` is seconds (notes, 2.4)."""
    if not isinstance(body, dict) or not body.get("access_token"):
        raise constant_contact_failure(
            UnexpectedResponseError,
            "the token endpoint answered without an access_token.",
            path="/token",
            doing=doing,
        )

    lifetime = float(body.get("expires_in") or 0) or 3600.0
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=body.get("refresh_token") or None,
        expires_at=datetime.now(UTC) + timedelta(seconds=lifetime),
        scope=str(body.get("scope") or ""),
    )


def _json(response: requests.Response, doing: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise constant_contact_failure(
            UnexpectedResponseError,
            "the token endpoint answered without JSON.",
            path="/token",
            doing=doing,
            status=response.status_code,
        ) from None


def _lost(failure: BaseException | None, doing: str) -> ConstantContactError:
    cause = type(failure).__name__ if failure else "no answer"
    return constant_contact_failure(
        ServiceUnavailableError,
        f"the token endpoint could not be reached ({cause}).",
        method="POST",
        path="/token",
        doing=doing,
    )
