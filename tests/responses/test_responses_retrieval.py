"""A week of engagement on a campaign sent to 5,000 people, as campaign responses.

The job runs after the first day and again after the week, as the daily schedule
would: the responses then match the sandbox's tracking reports one for one (one per
record and kind, dated at the first event, on the record Send chose), a third run
writes nothing, and every opt-out has set Do not allow Bulk Emails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.responses.kinds import BOUNCE_CODES
from tests.responses.conftest import Organization
from tests.responses.expectations import (
    expected_responses,
    received_on,
    stored_responses,
)
from tests.responses.seeding import SentCampaign, send_campaign

RECIPIENTS = 5000
RESPONSE_CODES = {"opens": 1, "clicks": 1, "forwards": 1, "optouts": 3, "bounces": 4}
SETS = {"contact": "contacts", "lead": "leads", "account": "accounts"}


@pytest.fixture(scope="module")
def campaign(organization: Organization) -> SentCampaign:
    return send_campaign(
        organization.cc,
        organization.admin,
        organization.dataverse,
        RECIPIENTS,
        "Spring Launch",
    )


@pytest.fixture(scope="module")
def week(
    organization: Organization,
    campaign: SentCampaign,
    run_job: Callable[..., dict[str, Any]],
) -> list[dict[str, Any]]:
    """The job after the first day, then after the rest of the week."""
    organization.advance(1)
    first = run_job(JobKindValue.RETRIEVE_RESPONSES, "responses, day 1")
    organization.advance(7)
    second = run_job(JobKindValue.RETRIEVE_RESPONSES, "responses, day 8")
    return [first, second]


def test_each_run_succeeds_and_the_second_adds_the_rest_of_the_week(
    week: list[dict[str, Any]],
) -> None:
    first, second = week

    assert first["pocc_jobstatus"] == JobStatus.SUCCEEDED, first["pocc_error"]
    assert second["pocc_jobstatus"] == JobStatus.SUCCEEDED, second["pocc_log"]
    assert first["pocc_sent"] > 0
    assert second["pocc_sent"] > 0


def test_responses_match_the_tracking_reports_one_for_one(
    organization: Organization, campaign: SentCampaign, week: list[dict[str, Any]]
) -> None:
    expected = expected_responses(organization.cc, campaign)
    stored = stored_responses(organization.dataverse, campaign)

    assert set(stored) == set(expected)
    kinds = Counter(report for _, report in stored)
    assert all(kinds[report] > 0 for report in RESPONSE_CODES), kinds

    for key, row in stored.items():
        event = expected[key]
        report = key[1]
        assert row["receivedon"] == received_on(event), key
        assert row["responsecode"] == RESPONSE_CODES[report]
        assert row["channeltypecode"] == 1
        assert row["subject"].endswith(campaign.name) or report == "clicks"

        if report == "clicks":
            assert row["subject"] == f"Clicked {event['link_url']} in {campaign.name}"

        if report == "bounces":
            code = event["bounce_code"]
            assert row["subject"].startswith(f"Bounced ({code}: {BOUNCE_CODES[code]})")
            assert row["category"].endswith(f"bounce {code}")


def test_responses_go_to_the_record_send_chose(
    organization: Organization, campaign: SentCampaign, week: list[dict[str, Any]]
) -> None:
    stored = stored_responses(organization.dataverse, campaign)
    by_id = {record_id: table for table, record_id in campaign.records.values()}
    tables = Counter(by_id[record_id] for record_id, _ in stored)

    assert set(tables) == {"contact", "lead", "account"}, tables


def test_a_third_run_writes_nothing(
    organization: Organization,
    campaign: SentCampaign,
    week: list[dict[str, Any]],
    run_job: Callable[..., dict[str, Any]],
) -> None:
    before = stored_responses(organization.dataverse, campaign)

    again = run_job(JobKindValue.RETRIEVE_RESPONSES, "responses, again")

    assert again["pocc_jobstatus"] == JobStatus.SUCCEEDED, again["pocc_log"]
    assert again["pocc_sent"] == 0
    after = stored_responses(organization.dataverse, campaign)
    assert {key: row["versionnumber"] for key, row in after.items()} == {
        key: row["versionnumber"] for key, row in before.items()
    }


def test_an_opt_out_sets_do_not_allow_bulk_email_and_says_so(
    organization: Organization, campaign: SentCampaign, week: list[dict[str, Any]]
) -> None:
    stored = stored_responses(organization.dataverse, campaign)
    opted_out = {record_id for record_id, report in stored if report == "optouts"}
    by_id = {record_id: table for table, record_id in campaign.records.values()}
    others = [
        record_id for record_id in list(by_id)[:200] if record_id not in opted_out
    ]

    assert opted_out
    for record_id in opted_out:
        table = by_id[record_id]
        row = organization.admin.retrieve(
            SETS[table], record_id, select=["donotbulkemail"]
        )
        assert row["donotbulkemail"] is True
        assert (
            "Do not allow Bulk Emails" in stored[(record_id, "optouts")]["description"]
        )

    for record_id in others:
        row = organization.admin.retrieve(
            SETS[by_id[record_id]], record_id, select=["donotbulkemail"]
        )
        assert not row["donotbulkemail"]


def test_nothing_resubscribes_anyone_in_constant_contact(
    organization: Organization, campaign: SentCampaign, week: list[dict[str, Any]]
) -> None:
    opted_out = {
        row["contact_id"]
        for row in organization.cc.tracking(campaign.activity_id, "optouts")
    }

    assert opted_out
    for contact_id in opted_out:
        contact = organization.cc.contact(contact_id, ["list_memberships"])
        assert contact["email_address"]["permission_to_send"] == "unsubscribed"
