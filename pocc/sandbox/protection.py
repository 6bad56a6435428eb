"""Dataverse service protection: the per-user limits that answer 429.

Dataverse evaluates three limits per user (application users included) over a
sliding 300-second window: the number of requests (6,000), their combined execution
time (1,200,000 ms) and the number in flight at once (52). Exceeding one answers 429
with the limit's error code, its message and `Retry-After`. The figures are the real
defaults and live in the settings under `"protection"`, so a test can lower them
through `PATCH /_sandbox/settings`.

The Dataverse blueprint wraps each request it serves for a user:

    with context.services["protection"].guard(user_id):
        ... handle the request ...

Windows are measured on the wall clock (time.monotonic), not the sandbox clock, because
`Retry-After` tells a real client how long to really wait.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from pocc.sandbox.context import SandboxContext
from pocc.sandbox.dataverse.errors import (
    CONCURRENCY_LIMIT,
    EXECUTION_TIME_LIMIT,
    REQUESTS_LIMIT,
    DataverseError,
)

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = {
    "requests": 6000,
    "execution_time_ms": 1_200_000,
    "concurrent_requests": 52,
    "window_seconds": 300,
}
# A refused concurrent request may try again as soon as another one finishes.
CONCURRENCY_RETRY_AFTER_SECONDS = 1


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    context.settings["protection"] = dict(DEFAULT_LIMITS)
    context.services["protection"] = ServiceProtection(context)
    return {}


def requests_limit_error(
    limit: int, window_seconds: int, retry_after: int
) -> DataverseError:
    message = (
        f"Number of requests exceeded the limit of {limit} over time window of "
        f"{window_seconds} seconds."
    )
    return DataverseError(429, REQUESTS_LIMIT, message, _retry_after(retry_after))


def execution_time_error(
    limit_ms: int, window_seconds: int, retry_after: int
) -> DataverseError:
    message = (
        f"Combined execution time of incoming requests exceeded limit of {limit_ms:,} "
        f"milliseconds over time window of {window_seconds} seconds. Decrease number "
        "of concurrent requests or reduce the duration of requests and try again later."
    )
    return DataverseError(429, EXECUTION_TIME_LIMIT, message, _retry_after(retry_after))


def concurrency_error(limit: int) -> DataverseError:
    message = f"Number of concurrent requests exceeded the limit of {limit}."
    headers = _retry_after(CONCURRENCY_RETRY_AFTER_SECONDS)
    return DataverseError(429, CONCURRENCY_LIMIT, message, headers)


@dataclass
class _Usage:
    """One user's recent history: request start times and finished durations."""

    started: deque[float] = field(default_factory=deque)
    # (finish time, execution milliseconds) of each finished request.
    finished: deque[tuple[float, float]] = field(default_factory=deque)
    execution_ms: float = 0.0
    in_flight: int = 0

    def forget_all(self) -> None:
        self.started.clear()
        self.finished.clear()
        self.execution_ms = 0.0

    def forget_before(self, horizon: float) -> None:
        while self.started and self.started[0] <= horizon:
            self.started.popleft()

        while self.finished and self.finished[0][0] <= horizon:
            _, milliseconds = self.finished.popleft()
            self.execution_ms -= milliseconds


class ServiceProtection:
    """Counts each user's requests and execution time; refuses what exceeds a limit."""

    def __init__(self, context: SandboxContext) -> None:
        self._context = context
        self._lock = threading.Lock()
        self._usage: dict[str, _Usage] = {}
        self._limits_in_force: dict[str, int] = {}

    @contextmanager
    def guard(self, user_id: str) -> Iterator[None]:
        """Admit one request for `user_id` or raise the 429 `DataverseError`."""
        self.admit(user_id)
        started = time.monotonic()

        try:
            yield
        finally:
            self.release(user_id, started)

    def admit(self, user_id: str) -> None:
        limits = self._context.setting("protection")
        window = limits["window_seconds"]
        now = time.monotonic()

        with self._lock:
            self._start_afresh_if_changed(limits)
            usage = self._usage.setdefault(user_id, _Usage())
            usage.forget_before(now - window)

            # Concurrency is checked first and is never counted: it is immediate and
            # clears as soon as a request in flight finishes.
            if usage.in_flight >= limits["concurrent_requests"]:
                logger.info("user %s refused: too many concurrent requests", user_id)
                raise concurrency_error(limits["concurrent_requests"])

            # Refused requests still count, as Dataverse documents: a client that
            # keeps sending while throttled extends its own wait.
            usage.started.append(now)

            if len(usage.started) > limits["requests"]:
                retry_after = self._seconds_until_requests_fit(usage, limits, now)
                logger.info(
                    "user %s refused: request limit for %s s", user_id, retry_after
                )
                raise requests_limit_error(limits["requests"], window, retry_after)

            if usage.execution_ms >= limits["execution_time_ms"]:
                retry_after = self._seconds_until_time_fits(usage, limits, now)
                logger.info(
                    "user %s refused: execution time for %s s", user_id, retry_after
                )
                raise execution_time_error(
                    limits["execution_time_ms"], window, retry_after
                )

            usage.in_flight += 1

    def release(self, user_id: str, started: float) -> None:
        finished = time.monotonic()
        milliseconds = (finished - started) * 1000

        with self._lock:
            usage = self._usage[user_id]
            usage.in_flight -= 1
            usage.finished.append((finished, milliseconds))
            usage.execution_ms += milliseconds

    def remaining(self, user_id: str) -> dict[str, float]:
        """What is left of each windowed limit (Dataverse's debug headers show this)."""
        limits = self._context.setting("protection")

        with self._lock:
            usage = self._usage.setdefault(user_id, _Usage())
            usage.forget_before(time.monotonic() - limits["window_seconds"])
            return {
                "requests": max(limits["requests"] - len(usage.started), 0),
                "execution_time_ms": max(
                    limits["execution_time_ms"] - usage.execution_ms, 0.0
                ),
            }

    def _start_afresh_if_changed(self, limits: dict[str, int]) -> None:
        """New limits open new windows, so a test that lowers them starts clean.

        Requests in flight stay counted: they are still running.
        """
        if limits == self._limits_in_force:
            return

        for usage in self._usage.values():
            usage.forget_all()

        self._limits_in_force = dict(limits)

    @staticmethod
    def _seconds_until_requests_fit(
        usage: _Usage, limits: dict[str, int], now: float
    ) -> int:
        # The next request fits once it and those still in the window number no more
        # than the limit: the oldest `excess + 1` starts must have left the window.
        excess = len(usage.started) - limits["requests"]
        leaving = usage.started[min(excess, len(usage.started) - 1)]
        return _whole_seconds(leaving + limits["window_seconds"] - now)

    @staticmethod
    def _seconds_until_time_fits(
        usage: _Usage, limits: dict[str, int], now: float
    ) -> int:
        remaining = usage.execution_ms

        for finished, milliseconds in usage.finished:
            remaining -= milliseconds

            if remaining < limits["execution_time_ms"]:
                return _whole_seconds(finished + limits["window_seconds"] - now)

        return limits["window_seconds"]


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def _retry_after(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}
