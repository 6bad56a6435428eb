"""Step 9: Retrieve responses, the week's engagement as D365 campaign responses.

The job reads Constant Contact's tracking reports of the sent campaign and writes one
`campaignresponse` per record and kind, regarding the D365 campaign. The demo lists
them by kind as the campaign's Responses tab would (its subject says the kind:
"Opened ...", "Clicked ... in ...", "Bounced (...)"), then checks them one for one
against the tracking reports: per kind, the addresses with a response in D365 are
exactly the addresses in Constant Contact's report, and every record that opted out
no longer allows bulk email.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from pocc.dataverse import DataverseClient, Query, all_of, column
from pocc.demo.console import count, say, table
from pocc.demo.findings import Findings
from pocc.demo.job_follower import JobFollower, require_status
from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.responses.kinds import BY_REPORT, KINDS, OPTED_OUT
from pocc.responses.recipients import CUSTOMER_TABLES, SEND_RECIPIENTS
from pocc.responses.records import RESPONSES
from pocc.send.addresses import normalize

logger = logging.getLogger(__name__)

# How each kind's subject begins (`pocc.responses.records.subject`).
SUBJECT_STARTS = {
    "opened": "Opened ",
    "clicked": "Clicked ",
    "forwarded": "Forwarded ",
    "opted out": "Opted out of ",
    "bounced": "Bounced ",
}
SUBJECT_WIDTH = 72


@dataclass(frozen=True)
class ShownResponses:
    """The campaign's responses by kind: normalised addresses, and one example."""

    addresses: dict[str, set[str]]
    examples: dict[str, dict[str, Any]]
    categories: Counter[str]


def retrieve(jobs: JobFollower) -> dict[str, Any]:
    job = jobs.run("Retrieve responses", JobKindValue.RETRIEVE_RESPONSES)
    require_status(job, JobStatus.SUCCEEDED)
    return job.row


def read_responses(crm_user: DataverseClient, campaign_id: str) -> ShownResponses:
    """The campaign's responses, as its Responses tab lists them."""
    query = Query(
        select=["subject", "emailaddress", "receivedon", "category", "responsecode"],
        filter=column("_regardingobjectid_value").eq(uuid.UUID(campaign_id)),
        orderby=["receivedon asc"],
    )
    addresses: dict[str, set[str]] = defaultdict(set)
    examples: dict[str, dict[str, Any]] = {}
    categories: Counter[str] = Counter()

    for row in crm_user.query(RESPONSES, query):
        kind = kind_of(row.get("subject") or "")
        addresses[kind].add(_normalized(row.get("emailaddress") or ""))
        examples.setdefault(kind, row)

        if row.get("category"):
            categories[str(row["category"]).split(" bounce")[0]] += 1

    return ShownResponses(dict(addresses), examples, categories)


def kind_of(subject: str) -> str:
    for kind, start in SUBJECT_STARTS.items():
        if subject.startswith(start):
            return kind

    return "other"


def show_responses(shown: ShownResponses) -> None:
    rows = []

    for kind in KINDS:
        example = shown.examples.get(kind.name, {})
        subject = str(example.get("subject") or "-")
        rows.append(
            [
                kind.name.capitalize(),
                count(len(shown.addresses.get(kind.name, ()))),
                subject if len(subject) <= SUBJECT_WIDTH else subject[:71] + "…",
            ]
        )

    total = sum(len(items) for items in shown.addresses.values())
    rows.append(["All kinds", count(total), ""])
    table(["Response", "Records", "For example"], rows)

    if shown.categories:
        bounces = ", ".join(
            f"{count(n)} {name.lower()}" for name, n in sorted(shown.categories.items())
        )
        say(f"Bounces by category: {bounces}", 1)


def check_responses(
    crm_user: DataverseClient,
    constant_contact: Any,
    activity_id: str,
    shown: ShownResponses,
    findings: Findings,
) -> None:
    """Each kind's responses against its tracking report; opt-outs' records flagged."""
    for report, kind in BY_REPORT.items():
        held = {
            _normalized(str(row.get("email_address") or ""))
            for row in constant_contact.tracking(activity_id, report)
        }
        mine = shown.addresses.get(kind.name, set())
        findings.check(
            f"{kind.name} responses vs addresses in the {report} report",
            len(mine) if mine == held else f"{len(mine)} ({len(mine ^ held)} differ)",
            len(held),
        )

    opted_out = shown.addresses.get(OPTED_OUT.name, set())
    flagged = sum(
        _no_bulk_email(crm_user, activity_id, address) for address in opted_out
    )
    findings.check(
        "records that opted out now refuse bulk email",
        flagged,
        len(opted_out),
        "responses say",
    )


def _no_bulk_email(crm_user: DataverseClient, activity_id: str, address: str) -> bool:
    """Whether the record the send reached at `address` has Do not allow Bulk Emails."""
    query = Query(
        select=["pocc_recordtable", "pocc_recordid"],
        filter=all_of(
            [
                column("pocc_campaignactivityid").eq(activity_id),
                column("pocc_email").eq(address),
            ]
        ),
        top=1,
    )

    for row in crm_user.query(SEND_RECIPIENTS, query):
        entity_set = CUSTOMER_TABLES[str(row["pocc_recordtable"]).lower()]
        record = crm_user.retrieve(
            entity_set, row["pocc_recordid"], select=["donotbulkemail"]
        )
        return bool(record.get("donotbulkemail"))

    return False


def _normalized(address: str) -> str:
    normalized = normalize(address)
    return normalized.value if normalized.ok else address.strip().lower()
