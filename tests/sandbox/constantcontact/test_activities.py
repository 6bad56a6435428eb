"""Bulk activities: JSON import rules, membership changes, deletes, states, limits."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.sandbox.constantcontact.contact_helpers import (
    finished_activity,
    new_contact,
    new_list,
    unique_email,
)
from tests.sandbox.constantcontact.spec_client import ContractClient


def run_import(
    cc_api: ContractClient, rows: list[dict[str, Any]], list_ids: list[str]
) -> dict:
    answer = cc_api.post(
        "/activities/contacts_json_import",
        json={"import_data": rows, "list_ids": list_ids},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "initialized"
    return finished_activity(cc_api, answer.json()["activity_id"])


def contact_by_email(cc_api: ContractClient, address: str) -> dict[str, Any]:
    found = cc_api.get(
        "/contacts",
        params={
            "email": address,
            "status": "all",
            "include": "custom_fields,list_memberships",
        },
    ).json()["contacts"]
    assert len(found) == 1, found
    return found[0]


def new_field(cc_api: ContractClient) -> dict[str, Any]:
    return cc_api.post(
        "/contact_custom_fields",
        json={"label": f"Import {uuid.uuid4().hex[:8]}", "type": "string"},
    ).json()


def test_import_creates_contacts_on_the_lists_with_custom_fields(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    field = new_field(cc_api)
    address = unique_email("import")

    activity = run_import(
        cc_api,
        [
            {
                "email": address,
                "first_name": "Ida",
                f"cf:{field['name']}": "gold",
                "cf:nope": "x",
            }
        ],
        [list_id],
    )

    assert activity["state"] == "completed"
    assert activity["percent_done"] == 100
    assert activity["status"]["person_count"] == 1
    assert any("cf:nope" in message for message in activity["activity_errors"])
    contact = contact_by_email(cc_api, address)
    assert contact["first_name"] == "Ida"
    assert contact["email_address"]["permission_to_send"] == "implicit"
    assert contact["list_memberships"] == [list_id]
    assert contact["custom_fields"] == [
        {"custom_field_id": field["custom_field_id"], "value": "gold"}
    ]


def test_import_updates_only_given_fields_and_the_last_duplicate_wins(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    existing = new_contact(cc_api, first_name="Old", job_title="Barista")
    address = existing["email_address"]["address"]

    activity = run_import(
        cc_api,
        [
            {"email": address, "first_name": "First row"},
            {"email": address.upper(), "first_name": "Last row"},
        ],
        [list_id],
    )

    contact = contact_by_email(cc_api, address)
    assert activity["status"]["items_total_count"] == 1
    assert contact["contact_id"] == existing["contact_id"]
    assert contact["first_name"] == "Last row"
    assert contact["job_title"] == "Barista"


def test_import_reports_bad_rows_and_keeps_unsubscribed_off_lists(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    gone = new_contact(cc_api)
    address = gone["email_address"]["address"]
    cc_api.put(
        f"/contacts/{gone['contact_id']}",
        json={
            "email_address": {"address": address, "permission_to_send": "unsubscribed"},
            "update_source": "Contact",
        },
    )

    activity = run_import(
        cc_api,
        [{"email": "not an address"}, {"email": address, "last_name": "Still here"}],
        [list_id],
    )

    status = activity["status"]
    assert (status["error_count"], status["correctable_count"]) == (1, 1)
    assert status["cannot_add_to_list_count"] == 1
    contact = contact_by_email(cc_api, address)
    assert contact["last_name"] == "Still here"
    assert contact["list_memberships"] == []
    assert contact["email_address"]["permission_to_send"] == "unsubscribed"


def test_import_request_limits(cc_api: ContractClient) -> None:
    list_id = new_list(cc_api)
    row = {"email": unique_email()}

    too_many_rows = cc_api.post(
        "/activities/contacts_json_import",
        json={"import_data": [row] * 40_001, "list_ids": [list_id]},
    )
    no_list = cc_api.post(
        "/activities/contacts_json_import", json={"import_data": [row], "list_ids": []}
    )
    too_many_lists = cc_api.post(
        "/activities/contacts_json_import",
        json={"import_data": [row], "list_ids": [list_id] * 51},
    )
    too_many_fields = cc_api.post(
        "/activities/contacts_json_import",
        json={"import_data": [{**row, "first_name": "x" * 51}], "list_ids": [list_id]},
    )

    for answer in (too_many_rows, no_list, too_many_lists, too_many_fields):
        assert answer.status_code == 400
        assert answer.json()[0]["error_key"] == "contacts.api.validation.error"


def test_only_the_first_4_megabytes_of_an_import_are_read(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    long = "s" * 255
    rows = [
        {
            "email": f"bulk{index}.{uuid.uuid4().hex[:6]}@example.com",
            **{
                f"{prefix}{part}": long
                for prefix in ("", "home_", "work_", "other_")
                for part in ("street", "street2")
            },
        }
        for index in range(2_200)
    ]

    activity = run_import(cc_api, rows, [list_id])

    assert 1_000 < activity["status"]["items_total_count"] < 2_200
    assert activity["status"]["person_count"] == activity["status"]["items_total_count"]


def test_more_than_25_custom_fields_in_a_row_is_refused(cc_api: ContractClient) -> None:
    list_id = new_list(cc_api)
    row = {"email": unique_email(), **{f"cf:field{index}": "v" for index in range(26)}}

    activity = run_import(cc_api, [row], [list_id])

    assert activity["state"] == "failed"
    assert activity["status"]["error_count"] == 1


def test_states_advance_with_percent_done(cc_api: ContractClient, sandbox: Any) -> None:
    list_id = new_list(cc_api)
    rows = [{"email": unique_email("pace")} for _ in range(4)]
    pace = {"activity_items_per_step": 1, "activity_step_seconds": 0.3}

    with sandbox.settings({"constantcontact": {**pace, "activities_paused": True}}):
        created = cc_api.post(
            "/activities/contacts_json_import",
            json={"import_data": rows, "list_ids": [list_id]},
        ).json()
        time.sleep(0.3)
        waiting = cc_api.get(f"/activities/{created['activity_id']}").json()

        with sandbox.settings({"constantcontact": {"activities_paused": False}}):
            seen = set()
            deadline = time.monotonic() + 20

            while time.monotonic() < deadline:
                current = cc_api.get(f"/activities/{created['activity_id']}").json()
                seen.add((current["state"], current["percent_done"]))

                if current["state"] == "completed":
                    break

                time.sleep(0.05)

    assert waiting["state"] == "initialized"
    assert any(state == "processing" and 0 < done < 100 for state, done in seen)
    assert ("completed", 100) in seen


def test_more_than_the_queued_limit_gets_429(
    cc_api: ContractClient, sandbox: Any
) -> None:
    list_id = new_list(cc_api)
    body = {"import_data": [{"email": unique_email()}], "list_ids": [list_id]}

    with sandbox.settings(
        {"constantcontact": {"activities_paused": True, "max_queued_activities": 2}}
    ):
        queued = [
            cc_api.post("/activities/contacts_json_import", json=body) for _ in range(4)
        ]

    statuses = [answer.status_code for answer in queued]
    assert statuses.count(429) >= 2
    refused = queued[statuses.index(429)].json()
    assert isinstance(refused, dict)
    assert "error_key" in refused


def test_membership_changes_and_deletes(cc_api: ContractClient) -> None:
    source, target = new_list(cc_api), new_list(cc_api)
    members = [new_contact(cc_api, list_memberships=[source]) for _ in range(3)]
    ids = [member["contact_id"] for member in members]

    added = cc_api.post(
        "/activities/add_list_memberships",
        json={
            "source": {"list_ids": [source]},
            "exclude": {"contact_ids": ids[:1]},
            "list_ids": [target],
        },
    )
    assert (
        finished_activity(cc_api, added.json()["activity_id"])["state"] == "completed"
    )
    in_target = cc_api.get("/contacts", params={"lists": target}).json()["contacts"]
    assert sorted(c["contact_id"] for c in in_target) == sorted(ids[1:])

    removed = cc_api.post(
        "/activities/remove_list_memberships",
        json={"source": {"contact_ids": ids[1:2]}, "list_ids": [target]},
    )
    finished_activity(cc_api, removed.json()["activity_id"])
    in_target = cc_api.get("/contacts", params={"lists": target}).json()["contacts"]
    assert [c["contact_id"] for c in in_target] == ids[2:]

    deleted = cc_api.post("/activities/contact_delete", json={"list_ids": [source]})
    finished_activity(cc_api, deleted.json()["activity_id"])
    assert cc_api.get(f"/contacts/{ids[0]}").json().get("deleted_at")

    both = cc_api.post(
        "/activities/contact_delete", json={"list_ids": [source], "contact_ids": ids}
    )
    assert both.status_code == 400


def test_activities_are_listed_newest_first_and_by_state(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    latest = run_import(cc_api, [{"email": unique_email()}], [list_id])

    listed = cc_api.get("/activities", params={"limit": 5}).json()["activities"]
    completed = cc_api.get("/activities", params={"state": "completed"}).json()[
        "activities"
    ]

    assert listed[0]["activity_id"] == latest["activity_id"]
    assert all(item["state"] == "completed" for item in completed)
    assert cc_api.get("/activities/not-an-activity").status_code == 404
