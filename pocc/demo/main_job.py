"""Steps 2 to 6 of the demo: the main job, as an administrator and a marketer do it.

`MainJob` holds the clients the steps share: a CRM user's Dataverse client (the
sandbox's System Administrator app, which creates jobs as a user with the
PowerConstantContact User role would) and the job follower that nudges the proxy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.demo import campaigns, connect, cross_check, statistics
from pocc.demo.console import say
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

    @classmethod
    def open(cls, stack: DemoStack, seeded: SeededOrganization) -> MainJob:
        crm_user = DataverseClient.from_settings(stack.settings("admin"), ORGANIZATION)
        return cls(stack, seeded, crm_user, JobFollower(crm_user, stack.public_url))

    def close(self) -> None:
        self.jobs.close()
        self.crm_user.close()

    def connect(self) -> None:
        connect.save_configuration(self.stack, self.crm_user)
        connect.authenticate(self.stack)

    def synchronize(self) -> list[dict[str, Any]]:
        job = self.jobs.run("Synchronize campaigns", JobKindValue.SYNCHRONIZE)
        require_status(job, JobStatus.SUCCEEDED)
        say("The Constant Contact Campaigns view in D365 now lists:", 1)
        return campaigns.show_campaigns(self.crm_user)

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
        return draft

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

    def cross_check(self, shown: cross_check.Shown) -> bool:
        settings = self.stack.settings()
        pocc_dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

        try:
            client = ConstantContactClient.for_organization(
                settings, ORGANIZATION, pocc_dataverse
            )
            findings = cross_check.cross_check(client, shown)
            client.close()
        finally:
            pocc_dataverse.close()

        cross_check.report(findings)
        return findings.ok
