"""Contact lists: names, limits, membership counts and asynchronous delete."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.sandbox.constantcontact.contact_helpers import (
    finished_activity,
    new_contact,
    new_list,
)
from tests.sandbox.constantcontact.spec_client import ContractClient


def test_a_fresh_account_has_seeded_lists(cc_api: ContractClient) -> None:
    names = [item["name"] for item in cc_api.pages("/contact_lists", "lists")]

    assert {"General Interest", "Newsletter"} <= set(names)


def test_names_are_unique_without_regard_to_case(cc_api: ContractClient) -> None:
    name = f"Unique {uuid.uuid4().hex[:8]}"
    assert cc_api.post("/contact_lists", json={"name": name}).status_code == 201

    again = cc_api.post("/contact_lists", json={"name": name.upper()})

    assert again.status_code == 409
    assert again.json()[0]["error_key"] == "contacts.api.conflict"


def test_put_renames_and_get_counts_members(cc_api: ContractClient) -> None:
    list_id = new_list(cc_api)
    new_contact(cc_api, list_memberships=[list_id])
    new_contact(cc_api, list_memberships=[list_id])

    renamed = cc_api.put(
        f"/contact_lists/{list_id}",
        json={"name": f"Renamed {uuid.uuid4().hex[:8]}", "favorite": True},
    )
    counted = cc_api.get(
        f"/contact_lists/{list_id}", params={"include_membership_count": "all"}
    )

    assert renamed.status_code == 200
    assert renamed.json()["favorite"] is True
    assert counted.json()["membership_count"] == 2


def test_delete_is_an_activity_and_then_the_list_is_gone(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)

    answer = cc_api.delete(f"/contact_lists/{list_id}")

    assert answer.status_code == 202
    activity = answer.json()
    assert answer.headers["Location"] == activity["_links"]["self"]["href"]
    assert finished_activity(cc_api, activity["activity_id"])["state"] == "completed"
    active = [item["list_id"] for item in cc_api.pages("/contact_lists", "lists")]
    deleted = cc_api.get(
        "/contact_lists", params={"status": "deleted", "limit": 500}
    ).json()
    assert list_id not in active
    assert list_id in [item["list_id"] for item in deleted["lists"]]


@pytest.mark.slow
def test_at_most_1000_lists(cc_api: ContractClient, sandbox: Any) -> None:
    """Creations race each other (eight at a time, which also keeps the test quick),
    and still exactly the lists up to 1,000 are made."""
    existing = cc_api.get("/contact_lists", params={"include_count": "true"}).json()
    missing = 1000 - existing["lists_count"]

    def create(_: int) -> int:
        name = f"Bulk {uuid.uuid4().hex}"
        return cc_api.post("/contact_lists", json={"name": name}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        service_answers = Counter(pool.map(create, range(missing + 8)))

    assert service_answers == {201: missing, 400: 8}

    over = cc_api.post(
        "/contact_lists", json={"name": f"One too many {uuid.uuid4().hex}"}
    )

    assert over.status_code == 400
    assert "1000" in over.json()[0]["error_message"]
    bulk = [
        item["list_id"]
        for item in cc_api.pages("/contact_lists", "lists", params={"limit": 500})
        if item["name"].startswith("Bulk ")
    ]

    for start in range(0, len(bulk), 100):
        cleanup = cc_api.post(
            "/activities/list_delete", json={"list_ids": bulk[start : start + 100]}
        )
        assert (
            finished_activity(cc_api, cleanup.json()["activity_id"])["state"]
            == "completed"
        )


def test_a_contact_joins_at_most_50_lists(cc_api: ContractClient) -> None:
    list_ids = [new_list(cc_api, "Fifty") for _ in range(51)]

    too_many = cc_api.post(
        "/contacts",
        json={
            "first_name": "Busy",
            "create_source": "Account",
            "list_memberships": list_ids,
        },
    )
    fifty = new_contact(cc_api, list_memberships=list_ids[:50])
    more = cc_api.post(
        "/activities/add_list_memberships",
        json={
            "source": {"contact_ids": [fifty["contact_id"]]},
            "list_ids": [list_ids[50]],
        },
    )

    assert too_many.status_code == 400
    activity = finished_activity(cc_api, more.json()["activity_id"])
    assert any("50 lists" in message for message in activity["activity_errors"])
    cc_api.post("/activities/list_delete", json={"list_ids": list_ids})
