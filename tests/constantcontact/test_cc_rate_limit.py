"""Pacing under 4 requests a second, the daily budget and the service's 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, RateLimiter, TokenStore
from pocc.constantcontact.rate_limit import WINDOW_SECONDS, next_reset
from pocc.errors import ConstantContactQuotaExceededError
from tests.constantcontact import cc_helpers
from tests.sandbox_process import SandboxProcess


@pytest.fixture
def real_limits(cc_sandbox: SandboxProcess) -> Iterator[None]:
    """The service's own figure of 4 a second, for one test."""
    cc_sandbox.sandbox_admin("POST", "constantcontact/rate-limits/reset")
    answer = cc_sandbox.sandbox_admin(
        "PATCH", cc_helpers.CC_SETTINGS, {"requests_per_second": 4}
    )
    assert answer.status_code == 200, answer.text

    try:
        yield
    finally:
        cc_helpers.relax_limits(cc_sandbox)


def _client(
    settings: Settings, store: TokenStore, per_second: int, per_day: int
) -> ConstantContactClient:
    # Each test gets a limiter of its own: the account's is shared per process.
    limited = replace(
        settings,
        constant_contact_requests_per_second=per_second,
        constant_contact_requests_per_day=per_day,
    )
    client = ConstantContactClient.with_store(limited, store)
    client._transport.limiter = RateLimiter(per_second, per_day)
    return client


def test_no_one_second_window_holds_more_than_the_limit() -> None:
    clock = [0.0]
    limiter = RateLimiter(
        4,
        1000,
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
        monotonic=lambda: clock[0],
    )
    sent = []

    for _ in range(13):
        limiter.acquire()
        sent.append(clock[0])

    for first, fifth in zip(sent, sent[4:], strict=False):
        assert fifth - first >= WINDOW_SECONDS


def test_four_threads_stay_under_the_services_limit(
    real_limits: None, cc_settings: Settings, connected: TokenStore
) -> None:
    client = _client(cc_settings, connected, 4, 1000)
    failures: list[BaseException] = []
    started = time.monotonic()

    def work() -> None:
        try:
            for _ in range(4):
                client.account_summary()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join(60)

    # 16 calls at 4 a second need three full windows after the first four.
    assert not failures
    assert time.monotonic() - started >= 3 * WINDOW_SECONDS


def test_throttled_answers_are_waited_out(
    real_limits: None, cc_settings: Settings, connected: TokenStore
) -> None:
    # pocc's own pace is far above the service's here, so the service throttles.
    client = _client(cc_settings, connected, 1000, 100_000)

    summaries = [client.account_summary() for _ in range(10)]

    assert all(summary["encoded_account_id"] for summary in summaries)


def test_the_services_quota_stops_calls_until_midnight_utc(
    cc_sandbox: SandboxProcess, cc_settings: Settings, connected: TokenStore
) -> None:
    client = _client(cc_settings, connected, 1000, 100_000)
    client.account_summary()
    cc_sandbox.sandbox_admin("POST", "constantcontact/rate-limits/reset")
    answer = cc_sandbox.sandbox_admin(
        "PATCH", cc_helpers.CC_SETTINGS, {"requests_per_day": 3}
    )
    assert answer.status_code == 200

    try:
        for _ in range(3):
            client.account_summary()

        with pytest.raises(ConstantContactQuotaExceededError) as raised:
            client.account_summary()

        cc_sandbox.sandbox_admin("POST", "constantcontact/rate-limits/reset")
        started = time.monotonic()

        # No spinning, and no request either: the budget is known to be spent.
        with pytest.raises(ConstantContactQuotaExceededError):
            client.account_summary()
        assert time.monotonic() - started < 0.5
    finally:
        cc_helpers.relax_limits(cc_sandbox)

    reset = next_reset(datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    assert reset.endswith("00:00 UTC")
    assert reset in str(raised.value)
    assert raised.value.retry_after
    assert raised.value.retry_after <= 86_400


def test_pocc_stops_itself_when_its_daily_budget_is_spent(
    cc_settings: Settings, connected: TokenStore
) -> None:
    client = _client(cc_settings, connected, 1000, 2)

    client.account_summary()
    client.account_summary()

    with pytest.raises(ConstantContactQuotaExceededError, match="resets at"):
        client.account_summary()
