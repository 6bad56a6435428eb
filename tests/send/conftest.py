"""Fixtures for the Send job: a sandbox of its own, an org seeded as an admin would.

The jobs fixtures (`tests/jobs/conftest.py`) are reused as they are: `admin`,
`services`, `connected`, `make_job`, `runner_for`. `seed` builds D365 data with the
System Administrator's client, the way an org admin fills a CRM: records, static and
dynamic marketing lists, a campaign with the lists attached, and a `pocc_campaign`
row linked to a fresh draft Constant Contact campaign.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, TokenStore
from pocc.constantcontact.campaigns import primary_activity_id
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus
from pocc.sandbox.constantcontact.campaign_seed import FOOTER
from tests.jobs import conftest as jobs_fixtures

# The jobs tests' fixtures, shared as they are (one sandbox for these tests).
jobs_sandbox = jobs_fixtures.jobs_sandbox
jobs_environment = jobs_fixtures.jobs_environment
jobs_settings = jobs_fixtures.jobs_settings
admin = jobs_fixtures.admin
services = jobs_fixtures.services
configuration_row = jobs_fixtures.configuration_row
configuration_id = jobs_fixtures.configuration_id
connected = jobs_fixtures.connected
make_job = jobs_fixtures.make_job
runner_for = jobs_fixtures.runner_for

TABLE_SETS = {"contact": "contacts", "lead": "leads", "account": "accounts"}
MEMBER_CODES = {"account": 1, "contact": 2, "lead": 4}


@dataclass
class Seeded:
    """One seeded send: the D365 campaign, its lists, and the pocc_campaign row."""

    admin: DataverseClient
    campaign_id: str
    row_id: str = ""
    activity_id: str = ""
    cc_campaign_id: str = ""
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, table: str, **columns: Any) -> str:
        record_id = self.admin.create(TABLE_SETS[table], columns)
        self.records[record_id] = {"table": table, **columns}
        return record_id

    def static_list(self, table: str, member_ids: list[str]) -> str:
        list_id = self.admin.create(
            "lists",
            {
                "listname": f"Static {table}s {uuid.uuid4().hex[:6]}",
                "type": False,
                "createdfromcode": MEMBER_CODES[table],
            },
        )

        for member_id in member_ids:
            self.admin.call_action(
                "AddMemberList", {"EntityId": member_id}, bound_to=("lists", list_id)
            )

        self.attach(list_id)
        return list_id

    def dynamic_list(self, table: str, fetch_xml: str) -> str:
        list_id = self.admin.create(
            "lists",
            {
                "listname": f"Dynamic {table}s {uuid.uuid4().hex[:6]}",
                "type": True,
                "createdfromcode": MEMBER_CODES[table],
                "query": fetch_xml,
            },
        )
        self.attach(list_id)
        return list_id

    def attach(self, list_id: str) -> None:
        self.admin.call_action(
            "AddItemCampaign",
            {"EntityId": list_id, "EntityName": "list"},
            bound_to=("campaigns", self.campaign_id),
        )


@pytest.fixture
def cc_client(jobs_settings: Settings, connected: TokenStore) -> ConstantContactClient:
    return ConstantContactClient.with_store(jobs_settings, connected)


@pytest.fixture
def seed(
    admin: DataverseClient, cc_client: ConstantContactClient
) -> Callable[..., Seeded]:
    def make(link: bool = True) -> Seeded:
        tag = uuid.uuid4().hex[:8]
        campaign_id = admin.create("campaigns", {"name": f"Spring launch {tag}"})
        seeded = Seeded(admin, campaign_id)
        created = cc_client.create_email_campaign(
            {
                "name": f"Spring launch {tag}",
                "email_campaign_activities": [
                    {
                        "format_type": 5,
                        "from_name": "Contoso Coffee",
                        "from_email": "news@contoso-coffee.example",
                        "reply_to_email": "news@contoso-coffee.example",
                        "subject": "Spring is here",
                        "html_content": "<html><body>[[trackingImage]]Hi</body></html>",
                        "physical_address_in_footer": FOOTER,
                    }
                ],
            }
        )
        seeded.cc_campaign_id = created["campaign_id"]
        seeded.activity_id = str(primary_activity_id(created))
        row: dict[str, Any] = {
            "pocc_name": f"Spring launch {tag}",
            "pocc_ccid": seeded.cc_campaign_id,
            "pocc_primaryactivityid": seeded.activity_id,
        }

        if link:
            row["pocc_SourceCampaignId@odata.bind"] = f"/campaigns({campaign_id})"

        seeded.row_id = admin.create("pocc_campaigns", row)
        return seeded

    return make


@pytest.fixture
def send_job(admin: DataverseClient) -> Iterator[Callable[..., str]]:
    """A Queued Send job for a seeded campaign, created as a CRM user's click would."""

    def make(seeded: Seeded, **columns: Any) -> str:
        return admin.create(
            JOBS,
            {
                "pocc_name": f"Send {seeded.campaign_id[:8]}",
                "pocc_kind": int(JobKindValue.SEND),
                "pocc_jobstatus": int(JobStatus.QUEUED),
                "pocc_CampaignId@odata.bind": f"/pocc_campaigns({seeded.row_id})",
                **columns,
            },
        )

    yield make
    jobs_fixtures.close_open_jobs(admin)
