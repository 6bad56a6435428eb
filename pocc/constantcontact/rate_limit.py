"""Constant Contact's request budget, kept on pocc's side of the wire.

The service allows each application 4 requests a second and 10,000 a day, the day
ending at midnight UTC (reference notes, section 3). It sends no rate-limit headers,
so a client must pace itself: `RateLimiter.acquire` spaces one account's requests so
that no one-second window holds more than the limit, whichever thread sends them,
and counts the day's requests. When the day's budget is spent (by pocc's own count,
or because the service answered `quota_exceeded`) every further call fails at once
with an error naming the moment the budget resets, rather than waiting or spinning.

Limiters are shared per account (Constant Contact client id) within a process;
`limiter_for` hands out the one for an account.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pocc.errors import QuotaExceededError, constant_contact_failure

logger = logging.getLogger(__name__)

# A window a little longer than a second: requests sent exactly one second apart can
# arrive closer together after network jitter, and the service counts arrivals.
WINDOW_SECONDS = 1.05


class RateLimiter:
    """Paces and counts one Constant Contact account's requests across threads."""

    def __init__(
        self,
        per_second: int = 4,
        per_day: int = 10_000,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.per_second = per_second
        self.per_day = per_day
        self._sleep = sleep
        self._monotonic = monotonic
        self._now = now
        self._lock = threading.Lock()
        self._slots: deque[float] = deque()
        self._day = self._now().date()
        self._used_today = 0
        self._exhausted_until: datetime | None = None

    @property
    def used_today(self) -> int:
        with self._lock:
            self._roll_day()
            return self._used_today

    def acquire(self, doing: str = "") -> None:
        """Wait for this request's turn and count it; QuotaExceeded when spent."""
        with self._lock:
            self._roll_day()
            self._refuse_when_spent(doing)
            slot = self._reserve_slot()
            self._used_today += 1

        delay = slot - self._monotonic()

        if delay > 0:
            self._sleep(delay)

    def quota_exceeded(self, doing: str = "") -> QuotaExceededError:
        """The service said the day's budget is spent: stop until midnight UTC."""
        with self._lock:
            self._exhausted_until = next_reset(self._now())

        logger.warning(
            "Constant Contact daily request budget spent; calls stop until %s",
            _when(self._exhausted_until),
        )
        return self._spent_error(doing, "Constant Contact answered quota_exceeded")

    def _roll_day(self) -> None:
        today = self._now().date()

        if today != self._day:
            self._day = today
            self._used_today = 0

        if self._exhausted_until and self._now() >= self._exhausted_until:
            self._exhausted_until = None

    def _refuse_when_spent(self, doing: str) -> None:
        if self._exhausted_until is not None:
            raise self._spent_error(doing, "the daily request budget is spent")

        if self._used_today >= self.per_day:
            self._exhausted_until = next_reset(self._now())
            raise self._spent_error(
                doing, f"pocc has sent its {self.per_day:,} requests for today"
            )

    def _reserve_slot(self) -> float:
        """The moment this request may go: the limit-th latest slot plus a window."""
        instant = self._monotonic()

        while self._slots and instant - self._slots[0] >= WINDOW_SECONDS:
            self._slots.popleft()

        slot = instant

        if len(self._slots) >= self.per_second:
            slot = max(instant, self._slots[-self.per_second] + WINDOW_SECONDS)

        self._slots.append(slot)
        return slot

    def _spent_error(self, doing: str, why: str) -> QuotaExceededError:
        reset = self._exhausted_until or next_reset(self._now())
        seconds = max((reset - self._now()).total_seconds(), 0.0)
        message = (
            f"{why}; the budget resets at {_when(reset)} "
            f"(in {_duration(seconds)}), and pocc sends nothing until then."
        )
        return constant_contact_failure(
            QuotaExceededError,
            message,
            status=429,
            code="quota_exceeded",
            doing=doing or None,
            retry_after=seconds,
        )


def next_reset(moment: datetime) -> datetime:
    """The next midnight UTC after `moment`."""
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(account: str, per_second: int, per_day: int) -> RateLimiter:
    """The process's one limiter for an account (its Constant Contact client id)."""
    with _limiters_lock:
        limiter = _limiters.get(account)

        if limiter is None:
            limiter = RateLimiter(per_second, per_day)
            _limiters[account] = limiter

        limiter.per_second = per_second
        limiter.per_day = per_day
        return limiter


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "midnight UTC"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
