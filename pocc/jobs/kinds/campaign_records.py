"""Constant Contact campaigns as D365 rows: `pocc_campaign`, its links and sends.

Shared by Synchronize and Refresh statistics. Every write compares with what the row
already holds and sends only the columns that differ, so running a job again over
data that did not change writes nothing (and leaves `modifiedon` alone, which users
and auditing notice).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import format_time

logger = logging.getLogger(__name__)

CAMPAIGNS = "pocc_campaigns"
LINKS = "pocc_emaillinks"
SENDS = "pocc_sendhistories"

# Campaign current_status (the list answers "Done", activities "DONE") -> choice.
STATUS_VALUES = {
    "draft": 101500000,
    "scheduled": 101500001,
    "executing": 101500002,
    "done": 101500003,
    "error": 101500004,
    "removed": 101500005,
}
REMOVED = STATUS_VALUES["removed"]
SEND_STATUS_VALUES = {"completed": 101500000, "errored": 101500001}

# What each reason_code of a send means (Constant Contact's v3 reference).
REASONS = {
    0: "Sent without problems.",
    1: "Constant Contact could not send it; try again or contact their support.",
    2: "Blocked while Constant Contact reviews the account.",
    3: "The account cannot send (billing or an expired plan).",
    4: "More contacts than the plan allows.",
    5: "The email is still in staging.",
    6: "Only part of the list was sent to.",
    7: "The email has invalid images.",
    8: "A link is longer than the 1,005 characters Constant Contact can track.",
    9: "The sender address is not verified.",
    10: "The sender address is not verified.",
    11: "The account may not send surveys.",
    12: "No contact in the lists could receive it.",
}

CAMPAIGN_COLUMNS = (
    "pocc_campaignid",
    "pocc_ccid",
    "pocc_name",
    "pocc_primaryactivityid",
    "pocc_campaignstatus",
    "pocc_subject",
    "pocc_fromname",
    "pocc_fromemail",
    "pocc_replytoemail",
    "pocc_textpreview",
    "pocc_htmlpreview",
    "pocc_ccupdatedon",
    "pocc_sends",
    "pocc_opens",
    "pocc_uniqueopens",
    "pocc_clicks",
    "pocc_uniqueclicks",
    "pocc_bounces",
    "pocc_optouts",
    "pocc_forwards",
    "pocc_abusereports",
    "pocc_didnotopens",
    "pocc_openrate",
    "pocc_clickrate",
    "pocc_lastsenton",
    "statecode",
    "statuscode",
)
LINK_COLUMNS = ("pocc_emaillinkid", "pocc_cclinkid", "pocc_url", "pocc_uniqueclicks")
SEND_COLUMNS = (
    "pocc_sendhistoryid",
    "pocc_sendid",
    "pocc_listids",
    "pocc_recipients",
    "pocc_senton",
    "pocc_sendstatus",
    "pocc_reasoncode",
)


def status_value(current_status: str | None) -> int | None:
    return STATUS_VALUES.get((current_status or "").lower())


def cc_time(text: str | None) -> str | None:
    """A Constant Contact timestamp as Dataverse stores it (UTC, whole seconds)."""
    if not text:
        return None

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return format_time(moment.astimezone(UTC))


def statistics_columns(stats: Mapping[str, Any]) -> dict[str, Any]:
    """An activity's `stats` as campaign columns; rates over delivered emails."""
    sends = int(stats.get("em_sends") or 0)
    bounces = int(stats.get("em_bounces") or 0)
    unique_opens = int(stats.get("em_opens") or 0)
    unique_clicks = int(stats.get("em_clicks") or 0)
    delivered = max(sends - bounces, 0)
    return {
        "pocc_sends": sends,
        "pocc_opens": int(stats.get("em_opens_all") or 0),
        "pocc_uniqueopens": unique_opens,
        "pocc_clicks": int(stats.get("em_clicks_all") or 0),
        "pocc_uniqueclicks": unique_clicks,
        "pocc_bounces": bounces,
        "pocc_optouts": int(stats.get("em_optouts") or 0),
        "pocc_forwards": int(stats.get("em_forwards") or 0),
        "pocc_abusereports": int(stats.get("em_abuse") or 0),
        "pocc_didnotopens": int(stats.get("em_not_opened") or 0),
        "pocc_openrate": _rate(unique_opens, delivered),
        "pocc_clickrate": _rate(unique_clicks, delivered),
    }


def _rate(part: int, whole: int) -> float:
    return round(part * 100.0 / whole, 2) if whole else 0.0


def differences(row: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of `wanted` whose value the row does not hold already."""
    return {
        name: value for name, value in wanted.items() if not _same(row.get(name), value)
    }


def _same(held: Any, wanted: Any) -> bool:
    if isinstance(wanted, float) or isinstance(held, float):
        return held is not None and wanted is not None and abs(held - wanted) < 0.005

    return held == wanted


def read_campaigns(dataverse: DataverseClient) -> dict[str, dict[str, Any]]:
    """Every imported campaign row, active or not, by Constant Contact id."""
    query = Query(select=CAMPAIGN_COLUMNS, filter=column("pocc_ccid").is_not_null())
    return {row["pocc_ccid"]: row for row in dataverse.query(CAMPAIGNS, query)}


def write_campaign(
    dataverse: DataverseClient,
    row: Mapping[str, Any] | None,
    cc_id: str,
    wanted: Mapping[str, Any],
) -> tuple[str, bool]:
    """Creates or updates the campaign row; (its id, whether anything was written)."""
    if row is None:
        row_id = dataverse.upsert(CAMPAIGNS, {"pocc_ccid": cc_id}, dict(wanted))
        return row_id, True

    changes = differences(row, wanted)

    if changes:
        dataverse.update(CAMPAIGNS, row["pocc_campaignid"], changes)

    return row["pocc_campaignid"], bool(changes)


def write_links(
    dataverse: DataverseClient, campaign_row_id: str, links: list[dict[str, Any]]
) -> int:
    """Upserts one `pocc_emaillink` per link; the number of rows written."""
    held = _children(dataverse, LINKS, LINK_COLUMNS, campaign_row_id, "pocc_cclinkid")
    written = 0

    for link in links:
        link_id = str(link.get("url_id") or "")

        if not link_id:
            continue

        url = link.get("link_url") or ""
        wanted = {
            "pocc_name": url[:200] or link_id,
            "pocc_url": url[:2000],
            "pocc_uniqueclicks": int(link.get("unique_clicks") or 0),
        }
        written += _write_child(
            dataverse,
            LINKS,
            held.get(link_id),
            campaign_row_id,
            wanted,
            {"pocc_cclinkid": link_id},
        )

    return written


def write_send_history(
    dataverse: DataverseClient, campaign_row_id: str, history: list[dict[str, Any]]
) -> int:
    """Upserts one `pocc_sendhistory` per send; the number of rows written."""
    held = _children(dataverse, SENDS, SEND_COLUMNS, campaign_row_id, "pocc_sendid")
    written = 0

    for send in history:
        send_id = int(send.get("send_id") or 0)
        reason = int(send.get("reason_code") or 0)
        sent_on = cc_time(send.get("run_date"))
        wanted = {
            "pocc_name": f"Send {send_id}" + (f" on {sent_on[:10]}" if sent_on else ""),
            "pocc_listids": json.dumps(send.get("contact_list_ids") or []),
            "pocc_recipients": int(send.get("count") or 0),
            "pocc_senton": sent_on,
            "pocc_sendstatus": SEND_STATUS_VALUES.get(
                str(send.get("send_status") or "").lower()
            ),
            "pocc_reasoncode": reason,
            "pocc_reason": REASONS.get(reason, f"Reason code {reason}."),
        }
        held_row = held.get(str(send_id))
        written += _write_child(
            dataverse,
            SENDS,
            held_row,
            campaign_row_id,
            wanted,
            {"pocc_sendid": send_id},
        )

    return written


def last_sent(history: list[dict[str, Any]]) -> str | None:
    times = [cc_time(send.get("run_date")) for send in history]
    return max((moment for moment in times if moment), default=None)


def _children(
    dataverse: DataverseClient,
    entity_set: str,
    columns: tuple[str, ...],
    campaign_row_id: str,
    key: str,
) -> dict[str, dict[str, Any]]:
    extra = ["pocc_name", "pocc_reason"] if entity_set == SENDS else ["pocc_name"]
    query = Query(
        select=[*columns, *extra],
        filter=column("_pocc_campaignid_value").eq(uuid.UUID(campaign_row_id)),
    )
    return {str(row[key]): row for row in dataverse.query(entity_set, query)}


def _write_child(
    dataverse: DataverseClient,
    entity_set: str,
    row: Mapping[str, Any] | None,
    campaign_row_id: str,
    wanted: dict[str, Any],
    key: dict[str, Any],
) -> int:
    if row is not None:
        changes = differences(row, wanted)

        if not changes:
            return 0

        dataverse.update(entity_set, row[_primary_key(entity_set)], changes)
        return 1

    record = {
        **wanted,
        **key,
        "pocc_CampaignId@odata.bind": f"/{CAMPAIGNS}({campaign_row_id})",
    }
    dataverse.create(entity_set, record)
    return 1


def _primary_key(entity_set: str) -> str:
    return "pocc_emaillinkid" if entity_set == LINKS else "pocc_sendhistoryid"
