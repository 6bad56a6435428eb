"""Step 6: a marketer mirrors one marketing list into Constant Contact.

The *Sync marketing list* button on a marketing list's form creates a job for that
list. The job makes (or finds) a Constant Contact list named after it, keeps its id
on the marketing list, imports the members and says in its buckets what happened to
each: added, already on the list, or skipped with a reason. The demo then checks the
Constant Contact list itself: its name, and that it holds exactly the members the
job says are on it.
"""

from __future__ import annotations

import logging
from typing import Any

from pocc.dataverse import DataverseClient
from pocc.demo.console import count, say, table
from pocc.demo.findings import Findings
from pocc.demo.job_follower import JobFollower, require_status
from pocc.demo.statistics import BUCKETS
from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.listsync.target import CC_LIST_ID
from pocc.sandbox.seed.marketing import MarketingList

logger = logging.getLogger(__name__)

SYNCED_LIST = "Wholesale enquiries"
# A list sync ends Partly succeeded when Constant Contact refuses some members.
SYNC_ENDINGS = (JobStatus.SUCCEEDED, JobStatus.PARTLY_SUCCEEDED)


def sync_list(
    jobs: JobFollower, lists: tuple[MarketingList, ...]
) -> tuple[MarketingList, dict[str, Any]]:
    """Runs the job for the seeded leads list; the list and the finished job row."""
    marketing_list = next(item for item in lists if item.name == SYNCED_LIST)
    job = jobs.run(
        f"Sync {marketing_list.name}",
        JobKindValue.SYNC_MARKETING_LIST,
        **{"pocc_MarketingListId@odata.bind": f"/lists({marketing_list.id})"},
    )
    require_status(job, *SYNC_ENDINGS)
    return marketing_list, job.row


def show_buckets(job_row: dict[str, Any]) -> None:
    """The list sync's buckets: what the job form shows."""
    added = int(job_row.get("pocc_sent") or 0)
    rows = [
        ["Added to the Constant Contact list", count(added)],
        ["Already on the list", count(already_on_list(job_row))],
    ]
    rows += [
        [label, count(job_row.get(name))]
        for name, label in BUCKETS
        if name.startswith("pocc_skipped")
    ]
    rows.append(["Failed", count(job_row.get("pocc_failed"))])
    rows.append(["Members read (total)", count(job_row.get("pocc_total"))])
    table(["Bucket", "Members"], rows)


def already_on_list(job_row: dict[str, Any]) -> int:
    """Members processed that were neither added, skipped nor failed."""
    processed = int(job_row.get("pocc_processed") or 0)
    others = sum(
        int(job_row.get(name) or 0)
        for name in ("pocc_sent", "pocc_skipped", "pocc_failed")
    )
    return processed - others


def check_list(
    crm_user: DataverseClient,
    constant_contact: Any,
    marketing_list: MarketingList,
    job_row: dict[str, Any],
    findings: Findings,
) -> None:
    """The Constant Contact list the marketing list now names, as the account has it."""
    stored = crm_user.retrieve("lists", marketing_list.id, select=[CC_LIST_ID])
    list_id = stored.get(CC_LIST_ID) or ""
    held = constant_contact.contact_list(list_id) if list_id else {}
    members = sum(1 for _ in constant_contact.contacts(lists=[list_id]))
    say(
        f"The marketing list now names Constant Contact list {list_id} "
        f"(“{held.get('name', '?')}”, {count(members)} members)",
        1,
    )
    findings.check("synced list's name", marketing_list.name, held.get("name"))
    on_list = int(job_row.get("pocc_sent") or 0) + already_on_list(job_row)
    findings.check("members the list sync put on the list", on_list, members)
