"""The one place that decides whether a Dataverse call is retried, and how long to wait.

Rules (reference notes, section 4, from Microsoft's service protection documentation):

- 429 means the request was not run. Wait exactly `Retry-After` (or back off when it
  is missing) and pause every other call of this client for as long, because
  hammering on extends the penalty.
- 502/503/504, a dropped connection and a read timeout are retried with backoff and
  jitter, but only for requests that are safe to repeat. A create (POST) that may have
  run fails at once with an error saying so.
- 401 refreshes the token once and retries once.
- Requests in flight are capped per client, well under the service's 52.
- A call gives up once its waits would pass the total bound, with an error that says
  what was being done, how often it was tried and for how long.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import requests

from pocc.errors import (
    DataverseError,
    ServiceUnavailableError,
    dataverse_failure,
    parse_retry_after,
)
from pocc.redaction import redact

logger = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({502, 503, 504})
UNSAFE_TO_REPEAT = (
    "not repeated: it may or may not have run, so check the data before trying again"
)


class Action(Enum):
    ACCEPT = "accept"
    REAUTHENTICATE = "reauthenticate"
    RETRY = "retry"
    FAIL = "fail"


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float = 0.0
    # A 429 pauses the whole client, not just this call.
    pause_others: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Call:
    """What one client call is, for decisions and for messages."""

    method: str
    path: str
    doing: str
    # Repeating it cannot do the work twice (GET, PATCH by key, DELETE, PUT).
    idempotent: bool


class RequestNotSentError(Exception):
    """The request never left: the token could not be fetched, or the connection was
    never made. Always safe to try again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


Attempt = Callable[[bool], requests.Response]
# Turns a refused answer into the service's error; the second argument is what was
# being done, for the message.
ErrorFactory = Callable[[requests.Response, str], DataverseError]


@dataclass
class RetryPolicy:
    """Retry, backoff, pause and in-flight limits for one client."""

    max_in_flight: int = 16
    max_total_wait: float = 300.0
    max_attempts: int = 12
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_in_flight)
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._random = random.SystemRandom()

    def run(
        self,
        call: Call,
        attempt: Attempt,
        to_error: ErrorFactory,
    ) -> requests.Response:
        """The final answer of `call`: an accepted response, or an error raised.

        `attempt(refresh_token)` sends the request once; `to_error` turns a refused
        answer into the service's error.
        """
        waited = 0.0
        refreshed = False

        for number in range(1, self.max_attempts + 1):
            waited += self._wait_for_pause()
            response, failure = self._try(attempt, refreshed)
            decision = decide(response, failure, call, number, refreshed, self)

            if decision.action is Action.ACCEPT:
                return response

            if decision.action is Action.REAUTHENTICATE:
                refreshed = True
                logger.info("token refused on %s %s; refreshing once", *_where(call))
                continue

            if decision.action is Action.FAIL:
                raise self._error(call, response, failure, to_error)

            if waited + decision.delay > self.max_total_wait:
                gave_up = (
                    f"gave up after {number} attempts and {waited:.0f} s of waiting"
                )
                raise self._error(call, response, failure, to_error, gave_up)

            logger.warning(
                "%s %s: %s; attempt %s, retrying in %.1f s",
                *_where(call),
                decision.reason,
                number,
                decision.delay,
            )

            if decision.pause_others:
                self._pause(decision.delay)
            else:
                self.sleep(decision.delay)
                waited += decision.delay

        gave_up = f"gave up after {self.max_attempts} attempts"
        raise self._error(call, response, failure, to_error, gave_up)

    def backoff(self, number: int) -> float:
        """Exponential backoff with jitter: half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (number - 1))
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def _try(
        self, attempt: Attempt, refresh: bool
    ) -> tuple[requests.Response | None, BaseException | None]:
        with self._slots:
            try:
                return attempt(refresh), None
            except (
                RequestNotSentError,
                requests.ConnectionError,
                requests.Timeout,
            ) as failure:
                return None, failure

    def _pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _wait_for_pause(self) -> float:
        """Sleep until the client-wide pause (set by a 429) is over; seconds slept."""
        waited = 0.0

        while True:
            with self._lock:
                remaining = self._paused_until - self.clock()

            if remaining <= 0:
                return waited

            self.sleep(remaining)
            waited += remaining

    def _error(
        self,
        call: Call,
        response: requests.Response | None,
        failure: BaseException | None,
        to_error: ErrorFactory,
        gave_up: str = "",
    ) -> DataverseError:
        doing = f"{call.doing} ({gave_up})" if gave_up else call.doing

        if response is None:
            return _connection_error(call, failure, doing)

        if response.status_code in TRANSIENT_STATUSES and not call.idempotent:
            doing += f" ({UNSAFE_TO_REPEAT})"

        return to_error(response, doing)


def decide(
    response: requests.Response | None,
    failure: BaseException | None,
    call: Call,
    number: int,
    refreshed: bool,
    policy: RetryPolicy,
) -> Decision:
    """Accept, refresh the token, retry after a delay, or fail: the whole rulebook."""
    if failure is not None:
        return _decide_failure(failure, call, number, policy)

    status = response.status_code

    if status < 400:
        return Decision(Action.ACCEPT)

    if status == 401 and not refreshed:
        return Decision(Action.REAUTHENTICATE)

    if status == 429:
        delay = parse_retry_after(response.headers.get("Retry-After"))
        delay = policy.backoff(number) if delay is None else delay
        reason = "throttled by service protection (429)"
        return Decision(Action.RETRY, delay, pause_others=True, reason=reason)

    if status in TRANSIENT_STATUSES and call.idempotent:
        reason = f"service unavailable ({status})"
        return Decision(Action.RETRY, policy.backoff(number), reason=reason)

    return Decision(Action.FAIL)


def _decide_failure(
    failure: BaseException, call: Call, number: int, policy: RetryPolicy
) -> Decision:
    never_sent = isinstance(failure, RequestNotSentError | requests.ConnectTimeout)

    if never_sent or call.idempotent:
        reason = f"connection failed ({type(_cause(failure)).__name__})"
        return Decision(Action.RETRY, policy.backoff(number), reason=reason)

    return Decision(Action.FAIL)


def _cause(failure: BaseException | None) -> BaseException | None:
    return failure.cause if isinstance(failure, RequestNotSentError) else failure


def _connection_error(
    call: Call, failure: BaseException | None, doing: str
) -> DataverseError:
    cause = _cause(failure)
    message = f"the connection failed ({type(cause).__name__})."

    if not call.idempotent and not isinstance(failure, RequestNotSentError):
        message += f" The request was {UNSAFE_TO_REPEAT}."

    return dataverse_failure(
        ServiceUnavailableError,
        message,
        method=call.method,
        path=call.path,
        doing=doing,
    )


def _where(call: Call) -> tuple[str, str]:
    # Paths can hold an alternate key with an email address in it.
    return call.method, redact(call.path)
