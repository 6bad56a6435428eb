"""An activity created with its parties in one request (a deep insert), as Dataverse
takes a campaign response's customer; and date-times shown as dates keep their time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from pocc.dataverse import DataverseClient
from pocc.errors import InvalidRequestError, NotFoundError
from tests.dataverse.conftest import client_for
from tests.sandbox_process import SandboxProcess

PARTIES = "campaignresponse_activity_parties"


@pytest.fixture(scope="module")
def clients(
    sandbox: SandboxProcess,
) -> Iterator[tuple[DataverseClient, DataverseClient]]:
    app, admin = client_for(sandbox), client_for(sandbox, "admin")
    yield app, admin
    app.close()
    admin.close()


def response_body(campaign_id: str, contact_id: str) -> dict:
    return {
        "subject": "Opened Deep Insert",
        "receivedon": "2025-03-30T01:30:15Z",
        "responsecode": 1,
        "regardingobjectid_campaign_campaignresponse@odata.bind": (
            f"/campaigns({campaign_id})"
        ),
        PARTIES: [
            {
                "partyid_contact@odata.bind": f"/contacts({contact_id})",
                "participationtypemask": 11,
            }
        ],
    }


def test_a_response_is_created_with_its_customer_party(
    clients: tuple[DataverseClient, DataverseClient],
) -> None:
    app, admin = clients
    campaign_id = admin.create("campaigns", {"name": f"Deep {uuid.uuid4()}"})
    contact_id = admin.create("contacts", {"lastname": "Party"})

    response_id = app.create(
        "campaignresponses", response_body(campaign_id, contact_id)
    )

    row = app.retrieve(
        "campaignresponses",
        response_id,
        select=["receivedon", "_regardingobjectid_value"],
        expand=[f"{PARTIES}($select=_partyid_value,participationtypemask)"],
    )
    assert row["receivedon"] == "2025-03-30T01:30:15Z"
    assert row["_regardingobjectid_value"] == campaign_id
    assert [
        (p["_partyid_value"], p["participationtypemask"]) for p in row[PARTIES]
    ] == [(contact_id, 11)]


def test_a_party_naming_a_missing_record_creates_nothing(
    clients: tuple[DataverseClient, DataverseClient],
) -> None:
    app, admin = clients
    campaign_id = admin.create("campaigns", {"name": f"Deep {uuid.uuid4()}"})
    response_id = str(uuid.uuid4())
    body = {**response_body(campaign_id, str(uuid.uuid4())), "activityid": response_id}

    with pytest.raises(NotFoundError):
        app.create("campaignresponses", body)

    with pytest.raises(NotFoundError):
        app.retrieve("campaignresponses", response_id)


def test_parties_cannot_be_rewritten_by_a_deep_update(
    clients: tuple[DataverseClient, DataverseClient],
) -> None:
    app, admin = clients
    campaign_id = admin.create("campaigns", {"name": f"Deep {uuid.uuid4()}"})
    contact_id = admin.create("contacts", {"lastname": "Party"})
    response_id = app.create(
        "campaignresponses", response_body(campaign_id, contact_id)
    )

    with pytest.raises(InvalidRequestError):
        admin.update(
            "campaignresponses",
            response_id,
            {PARTIES: response_body(campaign_id, contact_id)[PARTIES]},
        )
