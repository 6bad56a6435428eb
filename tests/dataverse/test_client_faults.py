"""Every call ends with the right result or a clear error while the sandbox injects
429s, 503s and dropped connections on a share of requests (its `/_sandbox/faults`)."""

from __future__ import annotations

import logging
import uuid

import pytest

from pocc import errors
from pocc.config import load_settings
from pocc.dataverse import DataverseClient
from pocc.dataverse.retry import RetryPolicy
from tests.dataverse.conftest import sandbox_environment

FAULTS = {
    "seed": 11,
    "rules": [
        {
            "path": "^/dataverse/",
            "fault": "429",
            "share": 0.2,
            "retry_after": 1,
            "times": 2,
        },
        {"path": "^/dataverse/", "fault": "503", "share": 0.25},
        {"path": "^/dataverse/", "fault": "drop", "share": 0.2},
    ],
}


@pytest.fixture
def quick_client(sandbox):
    settings = load_settings(sandbox_environment(sandbox))
    policy = RetryPolicy(base_delay=0.05, max_delay=0.5, max_total_wait=30)
    client = DataverseClient.from_settings(settings, "contoso", policy=policy)
    client.who_am_i()
    yield client
    client.close()


def test_reads_and_safe_writes_all_end_right_under_faults(
    sandbox, quick_client, caplog
):
    caplog.set_level(logging.WARNING, logger="pocc.dataverse.retry")
    keys = [{"pocc_ccid": f"fault-{uuid.uuid4()}"} for _ in range(12)]

    with sandbox.faults(FAULTS):
        ids = [
            quick_client.upsert("pocc_campaigns", key, {"pocc_name": f"n{n}"})
            for n, key in enumerate(keys)
        ]
        names = [
            quick_client.retrieve("pocc_campaigns", key, select=["pocc_name"])[
                "pocc_name"
            ]
            for key in keys
        ]
        again = [
            quick_client.upsert("pocc_campaigns", key, {"pocc_subject": "s"})
            for key in keys
        ]

    assert names == [f"n{n}" for n in range(12)]
    assert again == ids
    # The faults really happened, and were retried.
    assert "(429)" in caplog.text
    assert "(503)" in caplog.text
    assert "connection failed" in caplog.text


def test_creates_either_succeed_or_say_they_may_have_run(sandbox, quick_client):
    marker = f"fault-create-{uuid.uuid4().hex[:8]}"
    created, unsure = [], []

    with sandbox.faults(FAULTS):
        for number in range(12):
            try:
                created.append(
                    quick_client.create(
                        "pocc_campaigns", {"pocc_name": f"{marker}-{number}"}
                    )
                )
            except errors.ServiceUnavailableError as error:
                unsure.append(str(error))

    for campaign_id in created:
        assert quick_client.retrieve("pocc_campaigns", campaign_id)["pocc_name"]

    assert len(created) + len(unsure) == 12
    assert created
    assert unsure
    assert all("POST pocc_campaigns" in message for message in unsure)
    assert all("creating a row in pocc_campaigns" in message for message in unsure)
    assert all("may or may not have run" in message for message in unsure)


def test_a_service_that_stays_down_ends_in_a_clear_error(sandbox, quick_client):
    down = {"rules": [{"path": "^/dataverse/", "fault": "503", "share": 1.0}]}
    quick_client._transport.policy.max_total_wait = 1.0

    with (
        sandbox.faults(down),
        pytest.raises(errors.DataverseUnavailableError) as raised,
    ):
        quick_client.retrieve("pocc_campaigns", uuid.uuid4())

    assert "gave up after" in str(raised.value)
    assert "reading a row of pocc_campaigns" in str(raised.value)
