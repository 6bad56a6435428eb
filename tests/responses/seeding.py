"""A campaign sent the way Send sends it, built directly on both sandboxes.

Constant Contact: a list of N contacts imported in bulk, an email campaign with three
links sent to that list now. Dynamics 365: the same people as contacts, leads and
accounts (every 25th a lead, every 40th an account), a D365 campaign, the
`pocc_campaign` row Synchronize and Send keep, and one `pocc_sendrecipient` per
address written with Send's own `write_recipients`, so responses find the record
Send chose.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pocc.dataverse import DataverseClient, Operation
from pocc.jobs.job_row import format_time, utc_now
from pocc.send.dedupe import Candidate
from pocc.send.recipients import Recipient, write_recipients
from tests.sandbox.constantcontact.campaign_helpers import campaign_body

TABLE_SETS = {"contact": "contacts", "lead": "leads", "account": "accounts"}


@dataclass(frozen=True)
class SentCampaign:
    name: str
    cc_campaign_id: str
    activity_id: str
    d365_campaign_id: str
    campaign_row_id: str
    # normalised address -> (table, record id)
    records: dict[str, tuple[str, str]]


def person(number: int, prefix: str) -> dict[str, str]:
    return {
        "email": f"{prefix}.{number}@example.com",
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
    }


def table_for(number: int) -> str:
    if number % 40 == 0:
        return "account"

    return "lead" if number % 25 == 0 else "contact"


def d365_row(table: str, item: dict[str, str], record_id: str) -> dict[str, Any]:
    # D365 keeps what users typed: case and spaces that Send normalises away.
    typed = f"  {item['email'].upper()} " if table == "lead" else item["email"]

    if table == "account":
        return {
            "accountid": record_id,
            "name": item["last_name"],
            "emailaddress1": typed,
        }

    return {
        f"{table}id": record_id,
        "firstname": item["first_name"],
        "lastname": item["last_name"],
        "emailaddress1": typed,
    }


def send_campaign(
    cc: Any, admin: DataverseClient, app: DataverseClient, count: int, name: str
) -> SentCampaign:
    """Sends a new campaign to `count` people and records it as Send would."""
    prefix = uuid.uuid4().hex[:8]
    people = [person(number, prefix) for number in range(count)]
    list_id = cc.create_contact_list({"name": f"{name} {prefix}"})["list_id"]
    _import(cc, people, list_id)

    campaign = cc.create_email_campaign(campaign_body(f"{name} {prefix}"))
    activity_id = next(
        item["campaign_activity_id"]
        for item in campaign["campaign_activities"]
        if item["role"] == "primary_email"
    )
    activity = cc.campaign_activity(activity_id)
    activity["contact_list_ids"] = [list_id]
    cc.update_campaign_activity(activity_id, activity)

    records = _create_people(admin, people)
    d365_campaign_id = admin.create("campaigns", {"name": f"{name} {prefix}"})
    campaign_row_id = admin.create(
        "pocc_campaigns",
        {
            "pocc_name": f"{name} {prefix}",
            "pocc_ccid": campaign["campaign_id"],
            "pocc_primaryactivityid": activity_id,
            "pocc_lastsenton": format_time(utc_now()),
            "pocc_SourceCampaignId@odata.bind": f"/campaigns({d365_campaign_id})",
        },
    )
    job_id = str(uuid.uuid4())
    write_recipients(
        app,
        activity_id,
        job_id,
        [
            Recipient(address, Candidate(table, record_id, "", address))
            for address, (table, record_id) in records.items()
        ],
    )
    cc.schedule(activity_id, "0")
    return SentCampaign(
        f"{name} {prefix}",
        campaign["campaign_id"],
        activity_id,
        d365_campaign_id,
        campaign_row_id,
        records,
    )


def _import(cc: Any, people: list[dict[str, str]], list_id: str) -> None:
    body = json.dumps({"import_data": people, "list_ids": [list_id]}).encode()
    activity_id = cc.start_json_import(body)["activity_id"]
    deadline = time.monotonic() + 120

    while time.monotonic() < deadline:
        state = cc.activity(activity_id)["state"]

        if state in ("completed", "failed"):
            assert state == "completed"
            return

        time.sleep(0.2)

    raise AssertionError(f"import {activity_id} did not finish")


def _create_people(
    admin: DataverseClient, people: list[dict[str, str]]
) -> dict[str, tuple[str, str]]:
    records: dict[str, tuple[str, str]] = {}
    operations = []

    for number, item in enumerate(people):
        table = table_for(number)
        record_id = str(uuid.uuid4())
        records[item["email"]] = (table, record_id)
        operations.append(
            Operation.create(TABLE_SETS[table], d365_row(table, item, record_id))
        )

    outcomes = admin.write_batch(operations)
    assert all(outcome.ok for outcome in outcomes), next(
        str(outcome.error) for outcome in outcomes if not outcome.ok
    )
    return records
