"""Dataverse service protection: the three per-user limits and their 429 answers.

Figures and messages are Microsoft's (Service protection API limits, learn.microsoft
.com/power-apps/developer/data-platform/api-limits): 6,000 requests and 1,200,000 ms
of execution time per user over a sliding 300-second window, 52 concurrent requests;
codes 0x80072322, 0x80072321 and 0x80072326; 429 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from pocc.sandbox import protection
from pocc.sandbox.context import SandboxClock, SandboxContext
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.protection import ServiceProtection
from tests.sandbox_process import SandboxProcess


@pytest.fixture
def context(tmp_path: Path) -> SandboxContext:
    context = SandboxContext(
        data_dir=tmp_path,
        base_url="https://localhost:1",
        clock=SandboxClock(tmp_path / "clock.json"),
    )
    protection.mount(Flask(__name__), context)
    return context


@pytest.fixture
def guard(context: SandboxContext) -> ServiceProtection:
    return context.services["protection"]


def lower(context: SandboxContext, **limits: int) -> None:
    context.update_settings({"protection": limits})


def refused(guard: ServiceProtection, user: str) -> DataverseError:
    with pytest.raises(DataverseError) as caught, guard.guard(user):
        pass

    return caught.value


def test_defaults_are_the_real_figures(context: SandboxContext) -> None:
    assert context.setting("protection") == {
        "requests": 6000,
        "execution_time_ms": 1_200_000,
        "concurrent_requests": 52,
        "window_seconds": 300,
    }


def test_too_many_requests_in_the_window_is_0x80072322(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, requests=3)

    for _ in range(3):
        with guard.guard("app-user"):
            pass

    error = refused(guard, "app-user")

    assert error.status == 429
    assert error.code == "0x80072322"
    assert error.message == (
        "Number of requests exceeded the limit of 3 over time window of 300 seconds."
    )
    assert 1 <= int(error.headers["Retry-After"]) <= 300
    assert error.body() == {"error": {"code": "0x80072322", "message": error.message}}


def test_requests_are_admitted_again_after_retry_after(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, requests=2, window_seconds=1)

    for _ in range(2):
        with guard.guard("app-user"):
            pass

    retry_after = int(refused(guard, "app-user").headers["Retry-After"])
    time.sleep(retry_after + 0.05)

    with guard.guard("app-user"):
        pass


def test_limits_are_per_user(context: SandboxContext, guard: ServiceProtection) -> None:
    lower(context, requests=1)

    with guard.guard("pocc-app-user"):
        pass

    with guard.guard("admin-app-user"):
        pass

    assert refused(guard, "pocc-app-user").code == "0x80072322"


def test_combined_execution_time_is_0x80072321(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, execution_time_ms=50)

    with guard.guard("app-user"):
        time.sleep(0.06)

    error = refused(guard, "app-user")

    assert error.status == 429
    assert error.code == "0x80072321"
    assert error.message.startswith(
        "Combined execution time of incoming requests exceeded limit of 50 "
        "milliseconds over time window of 300 seconds."
    )
    assert 1 <= int(error.headers["Retry-After"]) <= 300


def test_real_execution_limit_message_groups_thousands() -> None:
    error = protection.execution_time_error(1_200_000, 300, 10)

    assert "exceeded limit of 1,200,000 milliseconds over time window of 300" in (
        error.message
    )


def test_concurrent_requests_over_the_cap_are_0x80072326(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, concurrent_requests=2)
    inside = threading.Barrier(3)
    leave = threading.Event()

    def hold() -> None:
        with guard.guard("app-user"):
            inside.wait()
            leave.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for holder in holders:
        holder.start()
    inside.wait()

    error = refused(guard, "app-user")
    leave.set()
    for holder in holders:
        holder.join()

    assert error.code == "0x80072326"
    assert error.message == "Number of concurrent requests exceeded the limit of 2."
    assert error.headers["Retry-After"] == "1"

    with guard.guard("app-user"):
        pass


def test_a_failing_request_still_releases_its_slot(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, concurrent_requests=1)

    with pytest.raises(RuntimeError), guard.guard("app-user"):
        raise RuntimeError("the request failed")

    with guard.guard("app-user"):
        pass


def test_new_limits_start_every_window_afresh(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, requests=2)

    for _ in range(2):
        with guard.guard("app-user"):
            pass

    assert refused(guard, "app-user").code == "0x80072322"
    lower(context, requests=1)

    with guard.guard("app-user"):
        pass

    assert refused(guard, "app-user").code == "0x80072322"


def test_remaining_counts_down(
    context: SandboxContext, guard: ServiceProtection
) -> None:
    lower(context, requests=10)

    with guard.guard("app-user"):
        pass

    assert guard.remaining("app-user")["requests"] == 9


def test_limits_are_lowered_through_the_admin_endpoint(sandbox: SandboxProcess) -> None:
    with sandbox.settings({"protection": {"requests": 25, "window_seconds": 10}}):
        settings = sandbox.sandbox_admin("GET", "settings").json()["protection"]

        assert settings["requests"] == 25
        assert settings["window_seconds"] == 10
        assert settings["execution_time_ms"] == 1_200_000

    settings = sandbox.sandbox_admin("GET", "settings").json()["protection"]
    assert settings["requests"] == 6000


def test_web_api_answers_429_with_retry_after_past_a_lowered_limit(
    sandbox: SandboxProcess,
) -> None:
    session = sandbox.admin_session()

    with sandbox.settings({"protection": {"requests": 3}}):
        statuses = [session.get("WhoAmI").status_code for _ in range(3)]
        throttled = session.get("WhoAmI")

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "0x80072322"
    assert (
        "limit of 3 over time window of 300 seconds"
        in (throttled.json()["error"]["message"])
    )
    assert 1 <= int(throttled.headers["Retry-After"]) <= 300
