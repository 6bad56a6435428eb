"""Step 6: does what D365 shows agree with the Constant Contact account itself?

The demo asks Constant Contact's v3 API directly (with the organisation's stored
tokens, as pocc does) and compares it with the rows it printed: the send job's Sent
bucket with the members of the list pocc made for the send, the campaign's
statistics with the activity's report, every link's clicks, and every send in the
send history. The buckets must also add up to the members read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pocc.constantcontact import ConstantContactClient
from pocc.demo.findings import Findings
from pocc.demo.statistics import bucket_counts

logger = logging.getLogger(__name__)

# Constant Contact's activity statistic -> the campaign column D365 shows it in.
STATISTIC_COLUMNS = {
    "em_sends": "pocc_sends",
    "em_opens_all": "pocc_opens",
    "em_opens": "pocc_uniqueopens",
    "em_clicks_all": "pocc_clicks",
    "em_clicks": "pocc_uniqueclicks",
    "em_bounces": "pocc_bounces",
    "em_optouts": "pocc_optouts",
    "em_forwards": "pocc_forwards",
    "em_abuse": "pocc_abusereports",
    "em_not_opened": "pocc_didnotopens",
}


@dataclass(frozen=True)
class Shown:
    """What the demo printed from D365."""

    job: dict[str, Any]
    campaign: dict[str, Any]
    links: list[dict[str, Any]]
    sends: list[dict[str, Any]]


def cross_check(constant_contact: ConstantContactClient, shown: Shown) -> Findings:
    findings = Findings()
    activity_id = shown.campaign["pocc_primaryactivityid"]
    history = constant_contact.send_history(activity_id)

    _check_buckets(findings, shown.job)
    _check_list(findings, constant_contact, shown.job, history)
    _check_statistics(findings, constant_contact, activity_id, shown.campaign)
    _check_links(findings, constant_contact, activity_id, shown.links)
    _check_sends(findings, history, shown.sends)
    return findings


def _check_buckets(findings: Findings, job: dict[str, Any]) -> None:
    total = int(job.get("pocc_total") or 0)
    findings.check(
        "buckets add up to the members read", sum(bucket_counts(job).values()), total
    )


def _check_list(
    findings: Findings,
    constant_contact: ConstantContactClient,
    job: dict[str, Any],
    history: list[dict[str, Any]],
) -> None:
    list_ids = {
        list_id for send in history for list_id in send.get("contact_list_ids") or []
    }
    members = {
        item["list_id"]: int(item.get("membership_count") or 0)
        for item in constant_contact.contact_lists(include_membership_count="all")
        if item["list_id"] in list_ids
    }
    findings.check(
        "contacts sent vs members of the send's Constant Contact list",
        int(job.get("pocc_sent") or 0),
        sum(members.values()),
    )


def _check_statistics(
    findings: Findings,
    constant_contact: ConstantContactClient,
    activity_id: str,
    campaign: dict[str, Any],
) -> None:
    results, _ = constant_contact.activity_stats([activity_id])
    stats = results[0].get("stats", {}) if results else {}

    for statistic, column in STATISTIC_COLUMNS.items():
        findings.check(
            f"campaign {column.removeprefix('pocc_')}",
            campaign.get(column),
            int(stats.get(statistic) or 0),
        )


def _check_links(
    findings: Findings,
    constant_contact: ConstantContactClient,
    activity_id: str,
    links: list[dict[str, Any]],
) -> None:
    held = {
        str(link.get("url_id")): int(link.get("unique_clicks") or 0)
        for link in constant_contact.link_clicks(activity_id)
    }
    shown = {
        str(link.get("pocc_cclinkid")): link.get("pocc_uniqueclicks") for link in links
    }
    findings.check("links and their unique clicks", shown, held)


def _check_sends(
    findings: Findings, history: list[dict[str, Any]], sends: list[dict[str, Any]]
) -> None:
    held = {str(send.get("send_id")): int(send.get("count") or 0) for send in history}
    shown = {
        str(send.get("pocc_sendid")): send.get("pocc_recipients") for send in sends
    }
    findings.check("send history (send: recipients)", shown, held)
