"""Steps 2 to 11 of the demo: the main job, as an administrator and a marketer do it.

`MainJob` holds the clients the steps share: a CRM user's Dataverse client (the
sandbox's System Administrator app, which creates jobs as a user with the
PowerConstantContact User role would), the job follower that nudges the proxy, and
a Constant Contact client with the organisation's stored tokens, which the demo uses
only to read what the account holds. Each step's cross-checks are collected in
`findings`; the last step adds the campaign's and prints them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.demo import (
    billing,
    campaigns,
    connect,
    cross_check,
    custom_fields,
    duplicates,
    list_sync,
    responses,
    statistics,
)
from pocc.demo.console import say
from pocc.demo.findings import Findings, report
from pocc.demo.job_follower import JobFollower, require_status
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.sandbox.seed import SeededOrganization

logger = logging.getLogger(__name__)

# A send ends Partly succeeded when Constant Contact refuses some contacts.
SEND_ENDINGS = (JobStatus.SUCCEEDED, JobStatus.PARTLY_SUCCEEDED)


@dataclass
class MainJob:
    stack: DemoStack
    seeded: SeededOrganization
    crm_user: DataverseClient
    jobs: JobFollower
    send_job: dict[str, Any] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    _pocc_dataverse: DataverseClient | None = None
    _constant_contact: ConstantContactClient | None = None

    @classmethod
    def open(cls, stack: DemoStack, seeded: SeededOrganization) -> MainJob:
        crm_user = DataverseClient.from_settings(stack.settings("admin"), ORGANIZATION)
        return cls(stack, seeded, crm_user, JobFollower(crm_user, stack.public_url))

    def close(self) -> None:
        if self._constant_contact is not None:
            self._constant_contact.close()

        if self._pocc_dataverse is not None:
            self._pocc_dataverse.close()

        self.jobs.close()
        self.crm_user.close()

    @property
    def constant_contact(self) -> ConstantContactClient:
        """The account as pocc reaches it (the organisation's stored tokens)."""
        if self._constant_contact is None:
            settings = self.stack.settings()
            self._pocc_dataverse = DataverseClient.from_settings(settings, ORGANIZATION)
            self._constant_contact = ConstantContactClient.for_organization(
                settings, ORGANIZATION, self._pocc_dataverse
            )

        return self._constant_contact

    def add_staff(self) -> None:
        billing.add_staff(self.crm_user)

    def connect(self) -> None:
        connect.save_configuration(self.stack, self.crm_user)
        connect.authenticate(self.stack)

    def synchronize(self) -> list[dict[str, Any]]:
        job = self.jobs.run("Synchronize campaigns", JobKindValue.SYNCHRONIZE)
        require_status(job, JobStatus.SUCCEEDED)
        say("The Constant Contact Campaigns view in D365 now lists:", 1)
        return campaigns.show_campaigns(self.crm_user)

    def map_custom_fields(self) -> None:
        say("Saved two Custom Field rows (pocc_customfield):", 1)
        custom_fields.map_fields(self.crm_user)
        usable = custom_fields.check_mappings(self.stack)
        self.findings.check("custom field mappings usable", usable, True, "pocc says")

    def send(self, rows: list[dict[str, Any]]) -> campaigns.CampaignRow:
        draft = campaigns.pick_draft(rows)
        marketing = self.seeded.marketing
        campaigns.link_source_campaign(
            self.crm_user, draft, marketing.campaign_id, marketing.campaign_name
        )
        job = self.jobs.run(
            f"Send {draft.name}",
            JobKindValue.SEND,
            **{"pocc_CampaignId@odata.bind": f"/pocc_campaigns({draft.id})"},
        )
        require_status(job, *SEND_ENDINGS)
        self.send_job = job.row
        say("Where every member read went (the Send job's buckets):", 1)
        statistics.show_buckets(job.row)
        say("The mapped custom fields travelled with the send:", 1)
        custom_fields.show_arrived(
            self.crm_user, self.constant_contact, self.seeded, self.findings
        )
        return draft

    def sync_marketing_list(self) -> None:
        marketing_list, row = list_sync.sync_list(
            self.jobs, self.seeded.marketing.lists
        )
        say(f"The job form's buckets for “{marketing_list.name}”:", 1)
        list_sync.show_buckets(row)
        list_sync.check_list(
            self.crm_user, self.constant_contact, marketing_list, row, self.findings
        )

    def find_duplicates(self) -> None:
        rows = duplicates.find_duplicates(self.jobs, self.crm_user)
        duplicates.show_duplicates(rows)
        duplicates.check_planted(rows, self.seeded, self.findings)

    def refresh_statistics(self, draft: campaigns.CampaignRow) -> cross_check.Shown:
        now = statistics.advance_clock_a_week(
            self.stack.config["admin_url"], self.stack.config["ca_bundle"]
        )
        say(f"Sandbox clock advanced a week: Constant Contact's time is now {now}", 1)
        job = self.jobs.run("Refresh statistics", JobKindValue.REFRESH_STATISTICS)
        require_status(job, JobStatus.SUCCEEDED)

        campaign = campaigns.read_campaign(self.crm_user, draft.id)
        say(f"Campaign “{draft.name}” as its D365 form shows it:", 1)
        say(f"Status {campaigns.status_label(campaign.get('pocc_campaignstatus'))}", 2)
        statistics.show_statistics(campaign)
        links = statistics.read_links(self.crm_user, draft.id)
        say("Links and their clicks:", 1)
        statistics.show_links(links)
        sends = statistics.read_send_history(self.crm_user, draft.id)
        say("Send history:", 1)
        statistics.show_send_history(sends)
        return cross_check.Shown(self.send_job, campaign, links, sends)

    def retrieve_responses(self, draft: campaigns.CampaignRow) -> None:
        responses.retrieve(self.jobs)
        marketing = self.seeded.marketing
        shown = responses.read_responses(self.crm_user, marketing.campaign_id)
        say(f"Campaign responses of “{marketing.campaign_name}” in D365, by kind:", 1)
        responses.show_responses(shown)
        activity_id = str(draft.activity_id)
        responses.check_responses(
            self.crm_user, self.constant_contact, activity_id, shown, self.findings
        )

    def billing_figure(self) -> None:
        say("The organisation's users, as D365's Users view lists them:", 1)
        billing.show_users(self.crm_user)
        billing.usage(self.stack, self.findings)

    def cross_check(self, shown: cross_check.Shown) -> bool:
        findings = cross_check.cross_check(self.constant_contact, shown)
        findings.extend(self.findings)
        report(findings)
        return findings.ok
