"""Steps 3 and 4 as D365 shows them: the imported campaigns, and a campaign to send.

After Synchronize, the *Constant Contact Campaigns* view lists one `pocc_campaign` row
per Constant Contact campaign. To send one, a marketer opens a draft, sets its
*Source Campaign* to the D365 campaign whose marketing lists should receive it, and
clicks Send, which creates a Send job for that row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pocc.dataverse import DataverseClient, Query, column
from pocc.demo.console import count, say, table
from pocc.jobs.kinds.campaign_records import CAMPAIGNS, STATUS_VALUES

logger = logging.getLogger(__name__)

STATUS_LABELS = {value: name.capitalize() for name, value in STATUS_VALUES.items()}
SHOWN_COLUMNS = (
    "pocc_campaignid",
    "pocc_name",
    "pocc_campaignstatus",
    "pocc_subject",
    "pocc_fromemail",
    "pocc_ccid",
    "pocc_primaryactivityid",
    "pocc_sends",
    "pocc_uniqueopens",
    "pocc_uniqueclicks",
    "pocc_lastsenton",
    "_pocc_sourcecampaignid_value",
)


@dataclass(frozen=True)
class CampaignRow:
    id: str
    name: str
    cc_id: str
    activity_id: str | None
    row: dict[str, Any]


def show_campaigns(crm_user: DataverseClient) -> list[dict[str, Any]]:
    """The active Constant Contact campaigns, as the D365 view lists them."""
    query = Query(
        select=SHOWN_COLUMNS,
        filter=column("statecode").eq(0),
        orderby=["pocc_name asc"],
    )
    rows = list(crm_user.query(CAMPAIGNS, query))
    table(
        ["Campaign", "Status", "Subject", "Sends", "Opened", "Clicked", "Last sent"],
        [
            [
                row["pocc_name"][:34],
                status_label(row.get("pocc_campaignstatus")),
                (row.get("pocc_subject") or "")[:40],
                count(row.get("pocc_sends")),
                count(row.get("pocc_uniqueopens")),
                count(row.get("pocc_uniqueclicks")),
                (row.get("pocc_lastsenton") or "-")[:10],
            ]
            for row in rows
        ],
    )
    return rows


def pick_draft(rows: list[dict[str, Any]]) -> CampaignRow:
    """The first draft in the view (the sandbox account holds one)."""
    drafts = [
        row
        for row in rows
        if row.get("pocc_campaignstatus") == STATUS_VALUES["draft"]
        and row.get("pocc_primaryactivityid")
    ]

    if not drafts:
        raise LookupError("Constant Contact holds no draft campaign to send")

    row = drafts[0]
    return CampaignRow(
        row["pocc_campaignid"],
        row["pocc_name"],
        row["pocc_ccid"],
        row["pocc_primaryactivityid"],
        row,
    )


def link_source_campaign(
    crm_user: DataverseClient, campaign: CampaignRow, source_id: str, source_name: str
) -> None:
    """Sets the draft's Source Campaign, as the marketer does on its form."""
    crm_user.update(
        CAMPAIGNS,
        campaign.id,
        {"pocc_SourceCampaignId@odata.bind": f"/campaigns({source_id})"},
    )
    say(f"Set Source Campaign of “{campaign.name}” to “{source_name}”", 1)


def read_campaign(crm_user: DataverseClient, campaign_id: str) -> dict[str, Any]:
    return crm_user.retrieve(CAMPAIGNS, campaign_id)


def status_label(value: int | None) -> str:
    return STATUS_LABELS.get(value or 0, "-")
