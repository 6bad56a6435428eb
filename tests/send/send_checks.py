"""What a send left behind, read back the way an auditor would: through the APIs.

Imports are counted from Constant Contact's own activity list (`GET /activities`,
newest first), from a marker taken before the send; sends from the campaign
activity's send history; buckets from the job row; recipients and send history from
Dataverse.
"""

from __future__ import annotations

import uuid
from typing import Any

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient, Query, column

# Only contact imports report how many people they touched.
IMPORT_STATUS_KEY = "person_count"
BUCKET_COLUMNS = (
    "pocc_sent",
    "pocc_failed",
    "pocc_skippedinactive",
    "pocc_skippednoemail",
    "pocc_skippedinvalidemail",
    "pocc_skippedemailingnotallowed",
    "pocc_skippedduplicate",
    "pocc_skippedrefused",
)


def activity_marker(client: ConstantContactClient) -> str:
    """The newest bulk activity now ("" when the account has none)."""
    recent = client.recent_activities(limit=1)
    return str(recent[0]["activity_id"]) if recent else ""


def imports_since(client: ConstantContactClient, marker: str) -> list[dict[str, Any]]:
    """Contact imports started after `marker`, oldest first."""
    found: list[dict[str, Any]] = []

    for activity in client.recent_activities(limit=500):
        if activity["activity_id"] == marker:
            break

        if IMPORT_STATUS_KEY in (activity.get("status") or {}):
            found.append(activity)

    return list(reversed(found))


def imported_rows(activities: list[dict[str, Any]]) -> int:
    """Rows the imports carried, as Constant Contact counted them."""
    return sum(int(activity["status"]["items_total_count"]) for activity in activities)


def list_emails(client: ConstantContactClient, list_id: str) -> set[str]:
    return {
        contact["email_address"]["address"].lower()
        for contact in client.contacts(lists=[list_id])
    }


def send_list_id(client: ConstantContactClient, activity_id: str) -> str:
    (list_id,) = client.campaign_activity(activity_id)["contact_list_ids"]
    return str(list_id)


def assert_buckets_add_up(row: dict[str, Any]) -> None:
    """Every member read is in exactly one bucket, and the totals agree."""
    buckets = sum(int(row[name] or 0) for name in BUCKET_COLUMNS)
    skipped = sum(int(row[name] or 0) for name in BUCKET_COLUMNS[2:])
    assert buckets == row["pocc_total"] == row["pocc_processed"], row
    assert skipped == row["pocc_skipped"], row


def send_history_rows(admin: DataverseClient, campaign_row_id: str) -> list[dict]:
    query = Query(
        filter=column("_pocc_campaignid_value").eq(uuid.UUID(campaign_row_id))
    )
    return list(admin.query("pocc_sendhistories", query))


def recipient_rows(admin: DataverseClient, activity_id: str) -> list[dict]:
    query = Query(
        select=["pocc_email", "pocc_recordid"],
        filter=column("pocc_campaignactivityid").eq(activity_id),
    )
    return list(admin.query("pocc_sendrecipients", query))
