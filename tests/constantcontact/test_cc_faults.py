"""429, 503 and dropped connections on a share of requests: every call still ends
with the right result or a clear error."""

from __future__ import annotations

import uuid

import pytest

from pocc.constantcontact import ConstantContactClient
from pocc.errors import ConstantContactError, ServiceUnavailableError
from pocc.retry import Backoff
from tests.sandbox_process import SandboxProcess

API_PATH = "^/constantcontact/v3/"


def _plan(seed: int, methods: list[str]) -> dict:
    return {
        "seed": seed,
        "rules": [
            {"path": API_PATH, "fault": "429", "share": 0.2, "methods": methods},
            {"path": API_PATH, "fault": "503", "share": 0.2, "methods": methods},
            {"path": API_PATH, "fault": "drop", "share": 0.15, "methods": methods},
        ],
    }


def _injected(sandbox: SandboxProcess) -> list[int]:
    """How many of each rule's faults the sandbox injected (429, 503, drop)."""
    rules = sandbox.sandbox_admin("GET", "faults").json()["rules"]
    return [rule["injected"] for rule in rules]


@pytest.fixture
def quick_retries(cc_client: ConstantContactClient) -> ConstantContactClient:
    cc_client._transport.backoff = Backoff(base_delay=0.02, max_delay=0.1)
    return cc_client


def test_reads_end_with_the_right_answer(
    cc_sandbox: SandboxProcess, quick_retries: ConstantContactClient
) -> None:
    client = quick_retries
    expected = client.account_summary()
    lists_before = sorted(item["list_id"] for item in client.contact_lists())

    with cc_sandbox.faults(_plan(11, ["GET"])):
        summaries = [client.account_summary() for _ in range(25)]
        lists = sorted(item["list_id"] for item in client.contact_lists(page_size=1))
        injected = _injected(cc_sandbox)

    assert all(summary == expected for summary in summaries)
    assert lists == lists_before
    assert all(count > 0 for count in injected), injected


def test_writes_succeed_or_fail_clearly(
    cc_sandbox: SandboxProcess, quick_retries: ConstantContactClient
) -> None:
    client = quick_retries
    outcomes: dict[str, str] = {}

    with cc_sandbox.faults(_plan(5, ["POST", "PUT"])):
        for number in range(12):
            name = f"fault test {uuid.uuid4().hex[:10]} {number}"

            try:
                created = client.create_contact_list({"name": name})
            except ServiceUnavailableError as error:
                # A create that may have run is not repeated, and says so.
                outcomes[name] = str(error)
            else:
                assert created["name"] == name
                renamed = client.update_contact_list(
                    created["list_id"], {"name": name + " renamed"}
                )
                assert renamed["name"] == name + " renamed"
                outcomes[name] = "created"

        injected = _injected(cc_sandbox)

    assert all(count > 0 for count in injected), injected
    unknown = [text for text in outcomes.values() if text != "created"]
    assert "created" in outcomes.values()
    assert unknown
    assert all("may or may not have run" in text for text in unknown)

    found = {item["name"] for item in client.contact_lists()}

    for name, outcome in outcomes.items():
        if outcome == "created":
            assert name + " renamed" in found


def test_a_service_that_stays_down_gives_a_clear_error(
    cc_sandbox: SandboxProcess, quick_retries: ConstantContactClient
) -> None:
    client = quick_retries
    client._transport.max_attempts = 3
    plan = {"seed": 1, "rules": [{"path": API_PATH, "fault": "503"}]}

    with cc_sandbox.faults(plan), pytest.raises(ConstantContactError) as raised:
        client.account_summary()

    message = str(raised.value)
    assert raised.value.status == 503
    assert "reading the account summary" in message
    assert "gave up after 3 attempts" in message
