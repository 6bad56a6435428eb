"""What the responses of a campaign must be, worked out from the tracking reports.

Read independently of `pocc.responses`: every row of each report, mapped to the
record Send chose for its address, earliest event per record and kind.
"""

from __future__ import annotations

import uuid
from typing import Any

from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import format_time
from pocc.responses.tracking import parse_cc_time
from tests.responses.seeding import SentCampaign

REPORT_PREFIXES = {
    "opens": "Opened ",
    "clicks": "Clicked ",
    "forwards": "Forwarded ",
    "optouts": "Opted out of ",
    "bounces": "Bounced (",
}


def expected_responses(
    cc: Any, campaign: SentCampaign
) -> dict[tuple[str, str], dict[str, Any]]:
    """(record id, report) -> the earliest row of that report for that record."""
    earliest: dict[tuple[str, str], dict[str, Any]] = {}

    for report in REPORT_PREFIXES:
        for row in cc.tracking(campaign.activity_id, report):
            _, record_id = campaign.records[row["email_address"].strip().lower()]
            key = (record_id, report)
            held = earliest.get(key)

            if held is None or row["created_time"] < held["created_time"]:
                earliest[key] = row

    return earliest


def stored_responses(
    dataverse: DataverseClient, campaign: SentCampaign
) -> dict[tuple[str, str], dict[str, Any]]:
    """(customer record id, report) -> the campaignresponse row, for one campaign."""
    query = Query(
        select=[
            "activityid",
            "subject",
            "description",
            "category",
            "responsecode",
            "channeltypecode",
            "receivedon",
            "versionnumber",
        ],
        filter=column("_regardingobjectid_value").eq(
            uuid.UUID(campaign.d365_campaign_id)
        ),
        expand=[
            "campaignresponse_activity_parties($select=_partyid_value,"
            "participationtypemask)"
        ],
    )
    stored: dict[tuple[str, str], dict[str, Any]] = {}

    for row in dataverse.query("campaignresponses", query):
        parties = row["campaignresponse_activity_parties"]
        assert len(parties) == 1, row
        assert parties[0]["participationtypemask"] == 11
        report = next(
            name
            for name, prefix in REPORT_PREFIXES.items()
            if row["subject"].startswith(prefix)
        )
        key = (parties[0]["_partyid_value"], report)
        assert key not in stored, f"two responses for {key}"
        stored[key] = row

    return stored


def received_on(row: dict[str, Any]) -> str:
    return format_time(parse_cc_time(row["created_time"]))
