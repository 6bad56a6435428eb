"""pocc.dataverse.retry: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
import requests

from pocc import errors
from pocc.dataverse.retry import RetryPolicy
from pocc.retry import Call, RequestNotSentError

READ = Call("GET", "contacts", "reading contacts", idempotent=True)
CREATE = Call("POST", "contacts", "creating a contact", idempotent=False)


def answer(status: int, retry_after: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps({"error": {"code": "0x0", "message": "m"}}).encode()

    if retry_after is not None:
        response.headers["Retry-After"] = retry_after

    return response


def to_error(response: requests.Response, doing: str) -> errors.DataverseError:
    return errors.dataverse_error(
        response.status_code,
        response.headers,
        response.text,
        method="GET",
        path="contacts",
        doing=doing,
    )


class Script:
    """Plays answers (or raises failures) in order, recording each attempt."""

    def __init__(self, *steps):
        self.steps = list(steps)
        self.refreshes: list[bool] = []

    def __call__(self, refresh: bool) -> requests.Response:
        self.refreshes.append(refresh)
        step = self.steps.pop(0)

        if isinstance(step, BaseException):
            raise step

        return step


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def policy(**overrides) -> tuple[RetryPolicy, FakeTime]:
    fake = FakeTime()
    settings = {"base_delay": 1.0, "max_total_wait": 60.0, **overrides}
    return RetryPolicy(sleep=fake.sleep, clock=fake.clock, **settings), fake


def test_429_waits_exactly_retry_after_then_succeeds():
    retry, fake = policy()
    script = Script(answer(429, "7"), answer(200))

    assert retry.run(READ, script, to_error).status_code == 200
    assert fake.sleeps == [7.0]


def test_429_is_retried_even_for_a_create_because_it_did_not_run():
    retry, _ = policy()
    script = Script(answer(429, "1"), answer(204))

    assert retry.run(CREATE, script, to_error).status_code == 204


def test_503_backs_off_with_jitter_for_a_safe_request():
    retry, fake = policy()
    script = Script(answer(503), answer(503), answer(503), answer(200))

    assert retry.run(READ, script, to_error).status_code == 200
    first, second, third = fake.sleeps
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0
    assert 2.0 <= third <= 4.0


def test_503_on_a_create_fails_at_once():
    retry, fake = policy()

    with pytest.raises(errors.DataverseUnavailableError):
        retry.run(CREATE, Script(answer(503), answer(204)), to_error)

    assert fake.sleeps == []


def test_a_dropped_connection_is_retried_for_a_safe_request():
    retry, _ = policy()
    script = Script(requests.ConnectionError("reset"), answer(200))

    assert retry.run(READ, script, to_error).status_code == 200


def test_a_dropped_create_fails_saying_it_may_have_run():
    retry, _ = policy()

    with pytest.raises(errors.ServiceUnavailableError, match="may or may not have run"):
        retry.run(CREATE, Script(requests.ConnectionError("reset")), to_error)


def test_a_request_that_never_left_is_retried_even_for_a_create():
    retry, _ = policy()
    never_sent = RequestNotSentError(requests.ConnectionError("no token service"))

    assert retry.run(CREATE, Script(never_sent, answer(204)), to_error).ok


def test_401_refreshes_the_token_once_and_retries_once():
    retry, _ = policy()
    script = Script(answer(401), answer(200))

    assert retry.run(READ, script, to_error).status_code == 200
    assert script.refreshes == [False, True]


def test_a_second_401_is_an_authentication_error():
    retry, _ = policy()

    with pytest.raises(errors.DataverseAuthenticationError):
        retry.run(READ, Script(answer(401), answer(401), answer(200)), to_error)


def test_a_client_error_is_not_retried():
    retry, fake = policy()

    with pytest.raises(errors.DataverseInvalidRequestError):
        retry.run(READ, Script(answer(400), answer(200)), to_error)

    assert fake.sleeps == []


def test_gives_up_within_the_total_wait_saying_what_it_was_doing():
    retry, fake = policy(max_total_wait=10.0)
    script = Script(*[answer(503)] * 20)

    with pytest.raises(errors.DataverseUnavailableError) as raised:
        retry.run(READ, script, to_error)

    assert sum(fake.sleeps) <= 10.0
    assert "reading contacts" in str(raised.value)
    assert "gave up after" in str(raised.value)


def test_a_retry_after_longer_than_the_budget_gives_up_at_once():
    retry, fake = policy(max_total_wait=30.0)

    with pytest.raises(errors.DataverseThrottledError, match="gave up"):
        retry.run(READ, Script(answer(429, "300"), answer(200)), to_error)

    assert fake.sleeps == []


def test_a_429_pauses_the_clients_other_calls_too():
    retry = RetryPolicy(base_delay=0.01)
    started: list[float] = []
    first_throttled = threading.Event()

    def throttled_once(refresh: bool) -> requests.Response:
        if not first_throttled.is_set():
            first_throttled.set()
            return answer(429, "1")

        return answer(200)

    def other(refresh: bool) -> requests.Response:
        started.append(time.monotonic())
        return answer(200)

    begin = time.monotonic()
    worker = threading.Thread(target=retry.run, args=(READ, throttled_once, to_error))
    worker.start()
    first_throttled.wait(5)
    time.sleep(0.05)
    retry.run(READ, other, to_error)
    worker.join(5)

    assert started[0] - begin >= 0.9


def test_requests_in_flight_stay_under_the_cap():
    retry = RetryPolicy(max_in_flight=3)
    lock = threading.Lock()
    in_flight = [0]
    peak = [0]

    def slow(refresh: bool) -> requests.Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])

        time.sleep(0.02)

        with lock:
            in_flight[0] -= 1

        return answer(200)

    threads = [
        threading.Thread(target=retry.run, args=(READ, slow, to_error))
        for _ in range(12)
    ]

    for thread in threads:
        thread.start()

    for thread in threads:
        thread.join(5)

    assert peak[0] == 3


def test_retry_warnings_mask_an_email_in_the_path(caplog):
    retry, _ = policy()
    call = Call("GET", "contacts(emailaddress1='ann+x@example.com')", "reading", True)

    with caplog.at_level(logging.DEBUG, logger="pocc"):
        retry.run(call, Script(answer(503), answer(200)), to_error)

    assert "retrying" in caplog.text
    assert "ann+x@example.com" not in caplog.text
    assert "a***@example.com" in caplog.text
