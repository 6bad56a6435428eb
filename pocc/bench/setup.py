"""The benchmark's organisation: one marketing list per size, each on its own campaign.

Contacts are plain and valid (`bench.N@example.com`), so every member is sent to and
the figures measure throughput, not skip rules (the demo shows those). Seeding runs
before the latency is switched on, so that it stays quick.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests

from pocc.config import Settings
from pocc.constantcontact import Authorization, ConstantContactClient, token_store
from pocc.dataverse import DataverseClient
from pocc.demo.browser import Browser, read_form
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.jobs.kinds.campaign_records import CAMPAIGNS, STATUS_VALUES
from pocc.sandbox.constantcontact.campaign_seed import FOOTER, SENDER
from pocc.sandbox.seed import AdminWebApi

logger = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("0b5e7a3c-52f4-4d0e-8d7e-be0c00000000")
# Tens of milliseconds a request, as a service across the internet answers.
LATENCY_SECONDS = 0.03
LATENCY_PLAN = {
    "seed": 1,
    "rules": [
        {
            "path": "^/(dataverse|constantcontact)/",
            "fault": "delay",
            "delay_seconds": LATENCY_SECONDS,
            "share": 1.0,
        }
    ],
}


@dataclass(frozen=True)
class SendTarget:
    size: int
    campaign_row_id: str


def contact_id(number: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"contact:{number}"))


def seed_contacts(api: AdminWebApi, count: int) -> None:
    rows = [
        {
            "contactid": contact_id(number),
            "firstname": "Bench",
            "lastname": f"Contact {number}",
            "emailaddress1": f"bench.{number}@example.com",
        }
        for number in range(count)
    ]
    api.create_multiple("contacts", "contact", rows)


def seed_list(api: AdminWebApi, size: int) -> str:
    """A static list of the first `size` contacts on a campaign of its own."""
    list_id = str(uuid.uuid5(NAMESPACE, f"list:{size}"))
    campaign_id = str(uuid.uuid5(NAMESPACE, f"campaign:{size}"))
    api.create(
        "lists",
        {
            "listid": list_id,
            "listname": f"Bench {size:,}",
            "type": False,
            "createdfromcode": 2,
        },
    )
    api.add_list_members(list_id, [contact_id(number) for number in range(size)])
    api.create("campaigns", {"campaignid": campaign_id, "name": f"Bench {size:,}"})
    api.add_list_to_campaign(campaign_id, list_id)
    return campaign_id


def connect(stack: DemoStack, admin: DataverseClient) -> None:
    """The setup page and Authenticate, done directly (the demo shows the pages)."""
    application = stack.config["constantcontact"]
    admin.create(
        "pocc_configurations",
        {"pocc_name": ORGANIZATION, "pocc_ccclientid": application["client_id"]},
    )
    settings = stack.settings()
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)
    browser = Browser(stack.config["ca_bundle"])

    try:
        store = token_store(settings, dataverse)
        store.save_application(application["client_id"], application["client_secret"])
        authorization = Authorization(settings, ORGANIZATION, store)
        consent = browser.get(authorization.start())
        form = read_form(consent.text, consent.url)
        answered = browser.submit(
            form,
            {
                "username": application["username"],
                "password": application["password"],
            },
            "allow",
        )
        query = parse_qs(urlsplit(answered.headers["Location"]).query)
        authorization.finish(query["code"][0], query["state"][0])
    finally:
        browser.close()
        dataverse.close()


def draft_for(
    settings: Settings, admin: DataverseClient, size: int, source_campaign_id: str
) -> SendTarget:
    """A new Constant Contact draft, imported as a `pocc_campaign` row and linked."""
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)

    try:
        client = ConstantContactClient.for_organization(
            settings, ORGANIZATION, dataverse
        )
        campaign = client.create_email_campaign(
            {
                "name": f"Bench send to {size:,} ({uuid.uuid4().hex[:6]})",
                "email_campaign_activities": [_activity(size)],
            }
        )
        client.close()
    finally:
        dataverse.close()

    activity_id = next(
        item["campaign_activity_id"]
        for item in campaign["campaign_activities"]
        if item.get("role") == "primary_email"
    )
    row_id = admin.create(
        CAMPAIGNS,
        {
            "pocc_name": campaign["name"],
            "pocc_ccid": campaign["campaign_id"],
            "pocc_primaryactivityid": activity_id,
            "pocc_campaignstatus": STATUS_VALUES["draft"],
            "pocc_SourceCampaignId@odata.bind": f"/campaigns({source_campaign_id})",
        },
    )
    return SendTarget(size, row_id)


def switch_latency_on(stack: DemoStack) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = stack.config["ca_bundle"]

    try:
        answer = session.put(
            f"{stack.config['admin_url']}/faults", json=LATENCY_PLAN, timeout=30
        )
        answer.raise_for_status()
    finally:
        session.close()


def _activity(size: int) -> dict[str, object]:
    return {
        "format_type": 5,
        "from_name": "Contoso Coffee Roasters",
        "from_email": SENDER,
        "reply_to_email": SENDER,
        "subject": f"A benchmark send to {size:,} contacts",
        "html_content": (
            "<html><body>[[trackingImage]]<p>Hello [[FIRSTNAME]],</p>"
            '<p><a href="https://contoso-coffee.example/rewards">Rewards</a></p>'
            "</body></html>"
        ),
        "physical_address_in_footer": dict(FOOTER),
    }
