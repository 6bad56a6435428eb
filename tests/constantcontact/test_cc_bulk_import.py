"""Bulk imports split to every limit at once, run against the sandbox, with an
outcome for each contact."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from pocc.constantcontact import ConstantContactClient, Status, import_contacts
from pocc.constantcontact.bulk_import import (
    MAX_BODY_BYTES,
    MAX_CONTACTS,
    Poller,
    plan_batches,
)

GREEK_WITH_EMOJI = "Ελπίδα 🌿"
CURLY_APOSTROPHE = "O\N{RIGHT SINGLE QUOTATION MARK}Connor"
FIFTY_ONE = "Bartholomew-Maximilian-Fitzgerald-Wolfeschlegelstei"

QUICK = Poller(first=0.2, longest=1.0, give_up_after=300)


def _new_list(client: ConstantContactClient) -> str:
    created = client.create_contact_list({"name": f"import {uuid.uuid4().hex}"})
    return created["list_id"]


def _people(count: int, tag: str) -> list[dict[str, Any]]:
    return [
        {
            "email": f"person{number}.{tag}@example.com",
            "first_name": f"First{number}",
            "last_name": "Example",
            "company_name": "Example Trading Company Limited",
        }
        for number in range(count)
    ]


def _members(client: ConstantContactClient, list_id: str) -> dict[str, dict]:
    return {
        contact["email_address"]["address"]: contact
        for contact in client.contacts(lists=[list_id])
    }


@pytest.mark.slow
def test_forty_five_thousand_contacts_are_split_and_imported(
    cc_client: ConstantContactClient,
) -> None:
    assert len(FIFTY_ONE) == 51
    tag = uuid.uuid4().hex[:8]
    people = _people(45_000, tag)
    people[10]["first_name"] = GREEK_WITH_EMOJI
    people[20]["last_name"] = CURLY_APOSTROPHE
    people[30]["first_name"] = FIFTY_ONE
    list_id = _new_list(cc_client)

    report = import_contacts(cc_client, people, [list_id], poller=QUICK)

    assert len(report.batches) == 2
    carried = [index for batch in report.batches for index in batch.indexes]
    assert sorted(carried) == [i for i in range(45_000) if i != 30]

    for batch in report.batches:
        assert len(batch.indexes) <= MAX_CONTACTS
        assert len(batch.body) < MAX_BODY_BYTES
        assert len(json.loads(batch.body)["import_data"]) == len(batch.indexes)
        assert batch.state == "completed"

    refused = report.outcomes[30]
    assert refused.status is Status.REFUSED
    assert "first_name is 51 characters long" in refused.errors[0]
    assert report.count(Status.IMPORTED) == 44_999

    members = _members(cc_client, list_id)
    assert len(members) == 44_999
    assert members[people[10]["email"]]["first_name"] == GREEK_WITH_EMOJI
    assert members[people[20]["email"]]["last_name"] == CURLY_APOSTROPHE
    assert people[30]["email"] not in members


def test_a_too_long_name_is_cut_only_when_the_mapping_says_so(
    cc_client: ConstantContactClient,
) -> None:
    people = _people(3, uuid.uuid4().hex[:8])
    people[0]["first_name"] = FIFTY_ONE
    people[1]["first_name"] = GREEK_WITH_EMOJI
    people[2]["last_name"] = CURLY_APOSTROPHE
    list_id = _new_list(cc_client)

    report = import_contacts(
        cc_client, people, [list_id], may_cut={"first_name"}, poller=QUICK
    )

    assert [outcome.status for outcome in report.outcomes] == [Status.IMPORTED] * 3
    assert report.outcomes[0].truncated == ["first_name"]
    members = _members(cc_client, list_id)
    assert members[people[0]["email"]]["first_name"] == FIFTY_ONE[:50]
    assert members[people[1]["email"]]["first_name"] == GREEK_WITH_EMOJI
    assert members[people[2]["email"]]["last_name"] == CURLY_APOSTROPHE


def test_errors_the_activity_reports_reach_their_contacts(
    cc_client: ConstantContactClient,
) -> None:
    people = _people(4, uuid.uuid4().hex[:8])
    # The field does not exist in the account: the service says so for that row.
    people[2]["cf:no_such_field"] = "value"
    people[3] = {**people[1], "first_name": "Twin"}
    list_id = _new_list(cc_client)

    report = import_contacts(cc_client, people, [list_id], poller=QUICK)

    statuses = [outcome.status for outcome in report.outcomes]
    assert statuses == [
        Status.IMPORTED,
        Status.IMPORTED,
        Status.REPORTED,
        Status.REFUSED,
    ]
    assert "no_such_field" in report.outcomes[2].errors[0]
    assert "same email address as contact 1" in report.outcomes[3].errors[0]
    assert report.outcomes[2].activity_ids == [report.batches[0].activity_id]


def test_more_than_fifty_lists_are_refused_before_anything_is_sent() -> None:
    rows = [(0, {"email": "a@example.com"})]

    with pytest.raises(ValueError, match="1 to 50 lists, not 51"):
        plan_batches(rows, [f"list {number}" for number in range(51)])

    assert len(plan_batches(rows, ["same"] * 60)) == 1


def test_rows_are_split_by_bytes_as_well_as_by_count() -> None:
    street = "x" * 250
    rows = [
        (i, {"email": f"p{i}@example.com", "street": street, "city": "Ελπίδα"})
        for i in range(30_000)
    ]

    batches = plan_batches(rows, ["list"])

    assert len(batches) == 3
    assert all(len(batch.body) <= MAX_BODY_BYTES for batch in batches)
    assert sum(len(batch.indexes) for batch in batches) == 30_000
    # Non-ASCII text is measured as the escapes actually sent.
    assert b"\\u0395" in batches[0].body


def test_a_contact_with_too_many_custom_fields_is_refused_alone() -> None:
    from pocc.constantcontact.import_checks import check_row

    crowded = {"email": "a@example.com", **{f"cf:f{i}": "v" for i in range(26)}}

    checked = check_row(crowded)

    assert not checked.ok
    assert "26 custom fields" in checked.problems[0]
