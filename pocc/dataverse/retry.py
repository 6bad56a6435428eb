"""Dataverse's retry policy: the shared rules in `pocc.retry`, its pause and limits.

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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import requests

from pocc import retry
from pocc.errors import DataverseError, ServiceUnavailableError, dataverse_failure
from pocc.retry import (
    UNSAFE_TO_REPEAT,
    Action,
    Backoff,
    Call,
    Decision,
    RequestNotSentError,
    failure_cause,
)

logger = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({502, 503, 504})
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
        self._backoff = Backoff(self.base_delay, self.max_delay)

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
            decision = decide(response, failure, call, number, refreshed, self._backoff)

            if decision.action is Action.ACCEPT:
                return response

            if decision.action is Action.RENEW_ACCESS:
                refreshed = True
                logger.info("token refused on %s %s; refreshing once", *call.where())
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
                *call.where(),
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
    backoff: Backoff,
) -> Decision:
    """Accept, refresh the token, retry after a delay, or fail: the whole rulebook."""
    decision = retry.decide(
        response, failure, call, number, refreshed, backoff, TRANSIENT_STATUSES
    )

    # Hammering on during a service-protection penalty extends it, so every call of
    # this client waits it out.
    if response is not None and response.status_code == 429:
        reason = "throttled by service protection (429)"
        return replace(decision, pause_others=True, reason=reason)

    return decision


def _connection_error(
    call: Call, failure: BaseException | None, doing: str
) -> DataverseError:
    cause = failure_cause(failure)
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
