"""Constant Contact's per-application rate limits: 4 a second, 10,000 a day.

Both answer 429 without `Retry-After` or rate-limit headers, as the real gateway does
(reference notes, section 3); the body's `error_key` tells them apart. The daily count
resets at midnight UTC by the sandbox clock, so tests can advance past it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import date

from pocc.sandbox.context import SandboxClock

from .errors import QuotaExceededError, ThrottledError
from .settings import Settings


class RateLimiter:
    def __init__(self, clock: SandboxClock, settings: Settings) -> None:
        self._clock = clock
        self._settings = settings
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._day: date | None = None
        self._daily: dict[str, int] = defaultdict(int)

    def admit(self, application_id: str) -> None:
        """Count one request of the application or refuse it with 429."""
        today = self._clock.now().date()
        instant = time.monotonic()

        with self._lock:
            if today != self._day:
                self._day = today
                self._daily.clear()

            if self._daily[application_id] >= self._settings["requests_per_day"]:
                raise QuotaExceededError()

            recent = self._recent[application_id]

            while recent and instant - recent[0] >= 1.0:
                recent.popleft()

            if len(recent) >= self._settings["requests_per_second"]:
                raise ThrottledError()

            recent.append(instant)
            self._daily[application_id] += 1

    def usage(self, application_id: str) -> dict[str, int]:
        with self._lock:
            return {"requests_today": self._daily.get(application_id, 0)}

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._daily.clear()
