"""The one place that decides whether a Constant Contact call is retried, and how long
to wait first.

Rules (reference notes, sections 2.5, 3 and 4):

- 401 means the access token was refused: refresh it once and retry once.
- 429 `throttled` means the request was not run: wait (the `Retry-After` the real
  service does not send, or a backoff) and retry.
- 429 `quota_exceeded` means the day's budget is spent: fail at once; retrying before
  midnight UTC only burns the next day's budget.
- 500/502/503/504, a dropped connection or a read timeout are retried with backoff and
  jitter, but only for requests that are safe to repeat. A create that may have run
  fails at once with an error saying so.
- A call gives up once its waits would pass the total bound, with an error that says
  what was being done, how often it was tried and for how long.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from enum import Enum

import requests

from pocc.errors import parse_retry_after

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
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
    reason: str = ""


@dataclass(frozen=True)
class Call:
    """What one client call is, for decisions and for messages."""

    method: str
    path: str
    doing: str
    # Repeating it cannot do the work twice (GET, PUT, DELETE, some POSTs).
    idempotent: bool


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
) -> Decision:
    """Accept, refresh the token, retry after a delay, or fail: the whole rulebook."""
    if response is None:
        return _decide_failure(failure, call, attempt, backoff)

    status = response.status_code

    if status < 400:
        return Decision(Action.ACCEPT)

    if status == 401 and not refreshed:
        return Decision(Action.RENEW_ACCESS, reason="access token refused (401)")

    if status == 429:
        return _decide_too_many(response, attempt, backoff)

    if status in TRANSIENT_STATUSES and call.idempotent:
        reason = f"service unavailable ({status})"
        return Decision(Action.RETRY, backoff.delay(attempt), reason)

    return Decision(Action.FAIL)


def _decide_too_many(
    response: requests.Response, attempt: int, backoff: Backoff
) -> Decision:
    if error_key(response) == "quota_exceeded":
        return Decision(Action.QUOTA_SPENT, reason="daily quota spent (429)")

    # Throttled, or a 429 for 1,000 queued bulk activities: the request did not run.
    delay = parse_retry_after(response.headers.get("Retry-After"))
    delay = backoff.delay(attempt) if delay is None else delay
    return Decision(Action.RETRY, delay, "throttled (429)")


def _decide_failure(
    failure: BaseException | None, call: Call, attempt: int, backoff: Backoff
) -> Decision:
    never_sent = isinstance(failure, requests.ConnectTimeout)

    if never_sent or call.idempotent:
        reason = f"connection failed ({type(failure).__name__})"
        return Decision(Action.RETRY, backoff.delay(attempt), reason)

    return Decision(Action.FAIL)


def error_key(response: requests.Response) -> str | None:
    """The `error_key` (or OAuth `error`) of an error answer, in either shape."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return None

    first = body[0] if isinstance(body, list) and body else body

    if not isinstance(first, dict):
        return None

    key = first.get("error_key") or first.get("error")
    return str(key) if key else None
