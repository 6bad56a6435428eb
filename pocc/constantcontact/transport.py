"""The one boundary between the Constant Contact client and HTTP.

`Transport.send` waits for the account's rate limiter, adds the bearer token, sends,
lets `retry.decide` judge the answer, and turns a refused answer into a `pocc.errors`
exception carrying the method, the path and what was being done. Nothing else in
`pocc.constantcontact` touches the session or reads a status code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests

from pocc.constantcontact.rate_limit import RateLimiter
from pocc.constantcontact.retry import decide
from pocc.errors import (
    ConstantContactError,
    ServiceUnavailableError,
    UnexpectedResponseError,
    constant_contact_error,
    constant_contact_failure,
)
from pocc.redaction import redact
from pocc.retry import UNSAFE_TO_REPEAT, Action, Backoff, Call

logger = logging.getLogger(__name__)

JSON_HEADERS = {"Accept": "application/json"}


class _RedactingFilter(logging.Filter):
    """Masks addresses and tokens in urllib3's request lines.

    At DEBUG urllib3 logs every URL with its query, and `GET /contacts?email=` puts
    an address there; pocc's rule is that no address reaches a log in full.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(arg) if isinstance(arg, str) else arg for arg in record.args
            )

        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactingFilter())


class TokenSource(Protocol):
    """Where the transport gets access tokens (a `TokenStore` in production)."""

    def access_token(self) -> str: ...

    def refresh(self, rejected: str) -> str: ...


class Transport:
    """One Constant Contact account's session, tokens, pacing and retries."""

    def __init__(
        self,
        api_url: str,
        session: requests.Session,
        tokens: TokenSource,
        limiter: RateLimiter,
        *,
        max_total_wait: float = 300.0,
        max_attempts: int = 10,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.session = session
        self.tokens = tokens
        self.limiter = limiter
        self.max_total_wait = max_total_wait
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        self._host = urlsplit(self.api_url).netloc

    def close(self) -> None:
        self.session.close()

    def url_for(self, path_or_href: str) -> str:
        """An API path (`contacts`) or a `_links` href (`/v3/contacts?cursor=..`)."""
        if path_or_href.startswith(("/", "https://", "http://")):
            url = urljoin(self.api_url + "/", path_or_href)
        else:
            url = f"{self.api_url}/{path_or_href}"

        # A bearer token must never follow a link to another host.
        if urlsplit(url).netloc != self._host:
            raise constant_contact_failure(
                UnexpectedResponseError,
                "a link pointed away from the Constant Contact API; not followed.",
                path=path_or_href,
            )

        return url

    def send(
        self,
        method: str,
        path_or_href: str,
        *,
        doing: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Sends one call, with pacing and retries, and returns its accepted answer."""
        url = self.url_for(path_or_href)
        path = urlsplit(url).path.removeprefix(urlsplit(self.api_url).path)
        safe = method in ("GET", "PUT", "DELETE", "PATCH")
        call = Call(method, path, doing, safe if idempotent is None else idempotent)
        headers = dict(JSON_HEADERS)

        if body is not None or data is not None:
            headers["Content-Type"] = "application/json"

        def attempt(token: str) -> requests.Response:
            self.limiter.acquire(doing)
            headers["Authorization"] = f"Bearer {token}"
            return self.session.request(
                method, url, params=params, json=body, data=data, headers=headers
            )

        response = self._run(call, attempt)
        logger.debug("%s %s -> %s", method, redact(path), response.status_code)
        return response

    def json(self, response: requests.Response, path: str) -> Any:
        """The JSON body of an accepted answer; an error if there is none."""
        try:
            return response.json()
        except ValueError:
            raise constant_contact_failure(
                UnexpectedResponseError,
                "Constant Contact answered without the JSON the API promises.",
                method=response.request.method,
                path=path,
                status=response.status_code,
            ) from None

    def _run(
        self, call: Call, attempt: Callable[[str], requests.Response]
    ) -> requests.Response:
        waited = 0.0
        refreshed = False
        token = self.tokens.access_token()
        response: requests.Response | None = None
        failure: BaseException | None = None

        for number in range(1, self.max_attempts + 1):
            response, failure = _try(attempt, token)
            decision = decide(response, failure, call, number, refreshed, self.backoff)

            if decision.action is Action.ACCEPT and response is not None:
                return response

            if decision.action is Action.RENEW_ACCESS:
                logger.info(
                    "%s %s: %s; refreshing once", *call.where(), decision.reason
                )
                token = self.tokens.refresh(token)
                refreshed = True
                continue

            if decision.action is Action.QUOTA_SPENT:
                raise self.limiter.quota_exceeded(call.doing)

            if decision.action is Action.FAIL:
                raise self._error(call, response, failure)

            if waited + decision.delay > self.max_total_wait:
                gave_up = f"gave up after {number} attempts and {waited:.0f} s waiting"
                raise self._error(call, response, failure, gave_up)

            logger.warning(
                "%s %s: %s; attempt %s, retrying in %.1f s",
                *call.where(),
                decision.reason,
                number,
                decision.delay,
            )
            self._sleep(decision.delay)
            waited += decision.delay

        gave_up = f"gave up after {self.max_attempts} attempts"
        raise self._error(call, response, failure, gave_up)

    def _error(
        self,
        call: Call,
        response: requests.Response | None,
        failure: BaseException | None,
        gave_up: str = "",
    ) -> ConstantContactError:
        doing = f"{call.doing} ({gave_up})" if gave_up else call.doing

        if response is None:
            message = f"the connection failed ({type(failure).__name__})."

            if not call.idempotent:
                message += f" The request was {UNSAFE_TO_REPEAT}."

            return constant_contact_failure(
                ServiceUnavailableError,
                message,
                method=call.method,
                path=call.path,
                doing=doing,
            )

        if response.status_code >= 500 and not call.idempotent:
            doing += f" ({UNSAFE_TO_REPEAT})"

        text = response.content.decode("utf-8", errors="replace")
        return constant_contact_error(
            response.status_code,
            response.headers,
            text,
            method=call.method,
            path=call.path,
            doing=doing,
        )


def _try(
    attempt: Callable[[str], requests.Response], token: str
) -> tuple[requests.Response | None, BaseException | None]:
    try:
        return attempt(token), None
    except (requests.ConnectionError, requests.Timeout) as failure:
        return None, failure
