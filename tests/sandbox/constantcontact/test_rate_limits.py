"""Per-application limits: 4 requests a second (`throttled`) and 10,000 a day
(`quota_exceeded`, reset at midnight UTC), both 429 as one object without headers.

The limits are lowered through the settings so the tests stay fast; the defaults are
the real figures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.sandbox.constantcontact.spec_client import ContractClient

LIMIT_HEADERS = ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining")


def reset_counts(sandbox: Any) -> None:
    answer = sandbox.sandbox_admin("POST", "constantcontact/rate-limits/reset")
    assert answer.status_code == 204


def test_the_defaults_are_the_real_figures(sandbox: Any) -> None:
    defaults = sandbox.sandbox_admin("GET", "constantcontact/settings")
    restored = sandbox.sandbox_admin("DELETE", "constantcontact/settings").json()

    assert defaults.status_code == 200
    assert restored["requests_per_second"] == 4
    assert restored["requests_per_day"] == 10_000
    assert restored["max_queued_activities"] == 1_000


def test_more_than_the_per_second_allowance_is_throttled(
    cc_api: ContractClient, sandbox: Any
) -> None:
    with sandbox.settings({"constantcontact": {"requests_per_second": 3}}):
        reset_counts(sandbox)
        answers = [cc_api.get("/account/summary") for _ in range(6)]

    refused = [answer for answer in answers if answer.status_code == 429]
    assert refused, [answer.status_code for answer in answers]
    assert refused[0].json() == {
        "error_key": "throttled",
        "error_message": "Too Many Requests",
    }
    assert not any(name in refused[0].headers for name in LIMIT_HEADERS)


def test_the_daily_quota_runs_out_until_midnight_utc(
    fresh_sandbox: Any, cc_api_for: Any
) -> None:
    own = fresh_sandbox()
    cc_api = cc_api_for(own)
    cc_api.get("/account/summary")

    with own.settings({"constantcontact": {"requests_per_day": 3}}):
        reset_counts(own)
        answers = [cc_api.get("/account/summary").status_code for _ in range(3)]
        over = cc_api.get("/account/summary")

        now = datetime.fromisoformat(
            own.sandbox_admin("GET", "health").json()["now"].replace("Z", "+00:00")
        )
        midnight = datetime.combine(
            now.date() + timedelta(days=1), datetime.min.time(), UTC
        )
        seconds = (midnight - now).total_seconds() + 1
        own.sandbox_admin("POST", "clock/advance", {"seconds": seconds})
        next_day = cc_api.get("/account/summary")

    assert answers == [200, 200, 200]
    assert over.status_code == 429
    assert over.json() == {
        "error_key": "quota_exceeded",
        "error_message": "Limit Exceeded",
    }
    assert not any(name in over.headers for name in LIMIT_HEADERS)
    assert next_day.status_code == 200
