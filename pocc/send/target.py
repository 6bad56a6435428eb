"""What a Send job sends: the `pocc_campaign` row, its activity and its D365 lists.

Everything that makes a campaign unsendable is found here, before anything is read
or written, and each failure says what a CRM user or administrator should do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pocc.dataverse import DataverseClient
from pocc.errors import NotFoundError, PoccError
from pocc.send.members import MarketingList, campaign_lists

logger = logging.getLogger(__name__)

CAMPAIGNS = "pocc_campaigns"
CAMPAIGN_COLUMNS = (
    "pocc_campaignid",
    "pocc_name",
    "pocc_ccid",
    "pocc_primaryactivityid",
    "pocc_campaignstatus",
    "pocc_lastsenton",
    "_pocc_sourcecampaignid_value",
)


class SendTargetError(PoccError):
    """The job cannot send: no campaign, no source campaign, no lists..."""


@dataclass(frozen=True)
class SendTarget:
    row_id: str
    name: str
    cc_id: str
    activity_id: str
    source_campaign_id: str
    row: dict

    def list_name(self, job_id: str) -> str:
        """The Constant Contact list made for this send: one per job, by name."""
        return f"{self.name[:200]} (pocc send {job_id})"


def read_target(dataverse: DataverseClient, campaign_row_id: str | None) -> SendTarget:
    if not campaign_row_id:
        raise SendTargetError(
            "This Send job names no campaign. Create it from a Constant Contact "
            "campaign's form in Dynamics 365."
        )

    try:
        row = dataverse.retrieve(CAMPAIGNS, campaign_row_id, select=CAMPAIGN_COLUMNS)
    except NotFoundError:
        raise SendTargetError(
            "The campaign of this Send job no longer exists in Dynamics 365."
        ) from None

    name = row.get("pocc_name") or row.get("pocc_ccid") or campaign_row_id

    if not row.get("pocc_ccid") or not row.get("pocc_primaryactivityid"):
        raise SendTargetError(
            f"The campaign {name} has no Constant Contact email yet. Run Synchronize, "
            "then send again."
        )

    if not row.get("_pocc_sourcecampaignid_value"):
        raise SendTargetError(
            f"The campaign {name} has no source campaign. Choose the Dynamics 365 "
            "campaign whose marketing lists should receive it, then send again."
        )

    return SendTarget(
        row_id=row["pocc_campaignid"],
        name=name,
        cc_id=row["pocc_ccid"],
        activity_id=row["pocc_primaryactivityid"],
        source_campaign_id=row["_pocc_sourcecampaignid_value"],
        row=row,
    )


def sendable_lists(
    dataverse: DataverseClient, target: SendTarget
) -> tuple[list[MarketingList], list[MarketingList]]:
    """(the active lists to send to, the inactive ones left out); fails without any."""
    lists = campaign_lists(dataverse, target.source_campaign_id)
    active = [item for item in lists if item.active]
    inactive = [item for item in lists if not item.active]

    if not active:
        why = (
            f"its {len(inactive)} marketing lists are all inactive"
            if inactive
            else "it has no marketing lists"
        )
        raise SendTargetError(
            f"Nothing to send for {target.name}: {why}. Add active marketing lists "
            "to the Dynamics 365 campaign, then send again."
        )

    for item in active:
        if item.member_table is None:
            raise SendTargetError(
                f"The marketing list {item.name} targets neither accounts, contacts "
                "nor leads; remove it from the campaign or change its member type."
            )

    return active, inactive
