"""The marketing list a Sync marketing list job mirrors, and why it may not be synced.

The job row names the list (`pocc_marketinglistid`); the list row says whether it is
static or dynamic, whom it holds (`createdfromcode`) and the Constant Contact list it
was mirrored into before (`pocc_cclistid`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pocc.dataverse import DataverseClient
from pocc.errors import NotFoundError, PoccError
from pocc.send.members import LIST_COLUMNS, LISTS, MEMBER_TABLES, MarketingList

logger = logging.getLogger(__name__)

CC_LIST_ID = "pocc_cclistid"


class ListSyncError(PoccError):
    """The list cannot be synced as it stands; the message says what to change."""


@dataclass(frozen=True)
class SyncTarget:
    marketing_list: MarketingList
    cc_list_id: str

    @property
    def name(self) -> str:
        return self.marketing_list.name


def read_target(dataverse: DataverseClient, list_id: str | None) -> SyncTarget:
    """The job's marketing list, checked: it exists, is active, holds a known type."""
    if not list_id:
        raise ListSyncError(
            "This Sync marketing list job names no marketing list. Start it from a "
            "marketing list's form in Dynamics 365."
        )

    try:
        row = dataverse.retrieve(LISTS, list_id, select=[*LIST_COLUMNS, CC_LIST_ID])
    except NotFoundError:
        raise ListSyncError(
            "The marketing list of this job no longer exists in Dynamics 365."
        ) from None

    marketing_list = MarketingList(
        id=row["listid"],
        name=(row.get("listname") or "").strip() or row["listid"],
        dynamic=bool(row.get("type")),
        member_table=MEMBER_TABLES.get(row.get("createdfromcode") or 0),
        query=row.get("query"),
        active=row.get("statecode") in (0, None),
    )

    if marketing_list.member_table is None:
        raise ListSyncError(
            f"The marketing list {marketing_list.name} targets neither accounts, "
            "contacts nor leads; pocc can only sync those."
        )

    if not marketing_list.active:
        raise ListSyncError(
            f"The marketing list {marketing_list.name} is inactive; activate it in "
            "Dynamics 365 to sync it."
        )

    return SyncTarget(marketing_list, (row.get(CC_LIST_ID) or "").strip())
