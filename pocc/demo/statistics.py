"""What D365 shows once a campaign is sent: buckets, statistics, links, send history.

The Send job's form shows where every member read went (sent, or skipped with a
reason); the campaign's form shows its statistics, its links with their clicks and
its send history, as the last Synchronize or Refresh statistics job wrote them.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import requests

from pocc.dataverse import DataverseClient, Query, column
from pocc.demo.console import count, table
from pocc.jobs.kinds.campaign_records import LINKS, SENDS

logger = logging.getLogger(__name__)

# (job column, what the job form calls it); the skips add up with sent to the total.
BUCKETS = (
    ("pocc_sent", "Sent"),
    ("pocc_skippedinactive", "Skipped: inactive record"),
    ("pocc_skippednoemail", "Skipped: no email address"),
    ("pocc_skippedinvalidemail", "Skipped: invalid email address"),
    ("pocc_skippedemailingnotallowed", "Skipped: emailing not allowed"),
    ("pocc_skippedduplicate", "Skipped: duplicate of another record"),
    ("pocc_skippedrefused", "Skipped: refused by Constant Contact"),
)
# (campaign column, what the campaign form calls it)
STATISTICS = (
    ("pocc_sends", "Sends"),
    ("pocc_opens", "Opens"),
    ("pocc_uniqueopens", "Unique opens"),
    ("pocc_clicks", "Clicks"),
    ("pocc_uniqueclicks", "Unique clicks"),
    ("pocc_bounces", "Bounces"),
    ("pocc_optouts", "Opt-outs"),
    ("pocc_forwards", "Forwards"),
    ("pocc_abusereports", "Abuse reports"),
    ("pocc_didnotopens", "Did not open"),
    ("pocc_openrate", "Open rate %"),
    ("pocc_clickrate", "Click rate %"),
)
WEEK_SECONDS = 7 * 24 * 3600


def bucket_counts(job_row: dict[str, Any]) -> dict[str, int]:
    return {name: int(job_row.get(name) or 0) for name, _ in BUCKETS}


def show_buckets(job_row: dict[str, Any]) -> None:
    buckets = bucket_counts(job_row)
    rows = [[label, count(buckets[name])] for name, label in BUCKETS]
    rows.append(["Members read (total)", count(sum(buckets.values()))])
    table(["Bucket", "Members"], rows)


def show_statistics(campaign: dict[str, Any]) -> None:
    table(
        ["Statistic", "Value"],
        [[label, _figure(campaign.get(name))] for name, label in STATISTICS],
    )


def read_links(crm_user: DataverseClient, campaign_id: str) -> list[dict[str, Any]]:
    return _children(crm_user, LINKS, campaign_id, "pocc_url asc")


def show_links(links: list[dict[str, Any]]) -> None:
    table(
        ["Link", "Unique clicks"],
        [
            [link.get("pocc_url", "")[:70], count(link.get("pocc_uniqueclicks"))]
            for link in links
        ],
    )


def read_send_history(
    crm_user: DataverseClient, campaign_id: str
) -> list[dict[str, Any]]:
    return _children(crm_user, SENDS, campaign_id, "pocc_senton asc")


def show_send_history(sends: list[dict[str, Any]]) -> None:
    table(
        ["Send", "Sent on", "Recipients", "Lists", "Reason"],
        [
            [
                send.get("pocc_sendid"),
                (send.get("pocc_senton") or "-").replace("T", " ")[:16],
                count(send.get("pocc_recipients")),
                len(json.loads(send.get("pocc_listids") or "[]")),
                send.get("pocc_reason") or "",
            ]
            for send in sends
        ],
    )


def advance_clock_a_week(admin_url: str, ca_bundle: str) -> str:
    """Moves the sandbox's clock on a week, so recipients' opens and clicks happen."""
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle

    try:
        answer = session.post(
            f"{admin_url}/clock/advance", json={"seconds": WEEK_SECONDS}, timeout=30
        )
        answer.raise_for_status()
        return answer.json()["now"]
    finally:
        session.close()


def _children(
    crm_user: DataverseClient, entity_set: str, campaign_id: str, order: str
) -> list[dict[str, Any]]:
    query = Query(
        filter=column("_pocc_campaignid_value").eq(uuid.UUID(campaign_id)),
        orderby=[order],
    )
    return list(crm_user.query(entity_set, query))


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"

    return count(value)
