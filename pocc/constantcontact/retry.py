"""Constant Contact's retry rules: the shared ones in `pocc.retry`, and its own.

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

import requests

from pocc import retry
from pocc.retry import Action, Backoff, Call, Decision

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


def decide(
    response: requests.Response | None,
    failure: BaseException | None,
    call: Call,
    attempt: int,
    refreshed: bool,
    backoff: Backoff,
) -> Decision:
    """Accept, refresh the token, retry after a delay, or fail: the whole rulebook."""
    # Throttled, or a 429 for 1,000 queued bulk activities: the request did not run
    # and is retried. Only a spent daily quota is final.
    if _is_quota_spent(response):
        return Decision(Action.QUOTA_SPENT, reason="daily quota spent (429)")

    return retry.decide(
        response, failure, call, attempt, refreshed, backoff, TRANSIENT_STATUSES
    )


def _is_quota_spent(response: requests.Response | None) -> bool:
    if response is None or response.status_code != 429:
        return False

    return error_key(response) == "quota_exceeded"


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
