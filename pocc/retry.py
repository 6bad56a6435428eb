"""The retry rules both outside services share, decided in one function.

- 401 means the access token was refused: refresh it once and retry once.
- 429 means the request was not run: wait `Retry-After` (or a backoff when it is
  missing) and retry.
- A transient server error, a dropped connection or a read timeout is retried with
  backoff and jitter, but only for requests that are safe to repeat; a request that
  was never sent is always safe. A create that may have run fails at once.

Each client's own `retry` module adds what only its service does (Constant Contact's
daily quota, Dataverse's client-wide pause) and names its transient statuses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

import requests

from pocc.errors import parse_retry_after
from pocc.redaction import redact

UNSAFE_TO_REPEAT = (
    "not repeated: it may or may not have run, so check the data before trying again"
)


class Action(Enum):
    ACCEPT = "accept"
    RENEW_ACCESS = "renew access"
    RETRY = "retry"
    QUOTA_SPENT = "quota spent"
    FAIL = "fail"


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0
    # A Dataverse 429 pauses the whole client, not just this call.
    pause_others: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Call:
    """What one client call is, for decisions and for messages."""

    method: str
    path: str
    doing: str
    # Repeating it cannot do the work twice (GET, PUT, DELETE, PATCH by key).
    idempotent: bool

    def where(self) -> tuple[str, str]:
        """Method and path for a log line, with any email address in the path masked."""
        return self.method, redact(self.path)


class RequestNotSentError(Exception):
    """The request never left: the token could not be fetched, or the connection was
    never made. Always safe to try again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass
class Backoff:
    """Exponential backoff with jitter: half of each wait fixed, half random."""

    base_delay: float = 1.0
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        self._random = random.SystemRandom()

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)


def decide(
    response: requests.Response | None,
    failure: BaseException | None,
    call: Call,
    attempt: int,
    refreshed: bool,
    backoff: Backoff,
    transient_statuses: frozenset[int],
) -> Decision:
    """Accept, refresh the token, retry after a delay, or fail."""
    if response is None:
        return _decide_failure(failure, call, attempt, backoff)

    status = response.status_code

    if status < 400:
        return Decision(Action.ACCEPT)

    if status == 401 and not refreshed:
        return Decision(Action.RENEW_ACCESS, reason="access token refused (401)")

    if status == 429:
        delay = parse_retry_after(response.headers.get("Retry-After"))
        delay = backoff.delay(attempt) if delay is None else delay
        return Decision(Action.RETRY, delay, reason="throttled (429)")

    if status in transient_statuses and call.idempotent:
        reason = f"service unavailable ({status})"
        return Decision(Action.RETRY, backoff.delay(attempt), reason=reason)

    return Decision(Action.FAIL)


def _decide_failure(
    failure: BaseException | None, call: Call, attempt: int, backoff: Backoff
) -> Decision:
    never_sent = isinstance(failure, RequestNotSentError | requests.ConnectTimeout)

    if never_sent or call.idempotent:
        reason = f"connection failed ({type(failure_cause(failure)).__name__})"
        return Decision(Action.RETRY, backoff.delay(attempt), reason=reason)

    return Decision(Action.FAIL)


def failure_cause(failure: BaseException | None) -> BaseException | None:
    """The error behind a failed attempt, unwrapped from `RequestNotSentError`."""
    return failure.cause if isinstance(failure, RequestNotSentError) else failure
