"""The campaigns of a fresh account: one in every status, the same every time.

`seed(service)` runs once, after the contact seed (`seed.py` calls it). It makes:
a draft, a campaign scheduled three days ahead, two campaigns sent some days ago
whose week of engagement has already unfolded, and one whose send failed (a link
longer than the 1,005 characters the service can track: reason code 8). Ids are
`uuid5` over fixed names and the engagement is seeded, so a fresh sandbox always
holds the same campaigns, events and figures.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from . import seed as account_seed
from .sending import CampaignDesk, desk_of
from .service import ConstantContactService
from .timestamps import iso

logger = logging.getLogger(__name__)

SENDER = "news@contoso-coffee.example"
FOOTER = {
    "address_line1": "200 Harbor Street",
    "city": "Boston",
    "state_code": "MA",
    "postal_code": "02210",
    "country_code": "US",
    "organization_name": "Contoso Coffee Roasters",
}
SITE = "https://contoso-coffee.example"

# (name, subject, paths linked from the body, days before now it was sent or None
#  for a draft, negative for scheduled ahead)
CAMPAIGNS: tuple[tuple[str, str, tuple[str, ...], int | None], ...] = (
    (
        "Spring Roast Launch",
        "Our spring single-origin roasts are here",
        ("/shop/spring", "/blog/ethiopia-harvest", "/stores"),
        21,
    ),
    (
        "March Newsletter",
        "Brewing tips, new stores and a tasting event",
        ("/blog/pour-over-guide", "/events/tasting", "/shop", "/stores/cambridge"),
        9,
    ),
    (
        "Holiday Gift Guide (link error)",
        "Gifts for every coffee lover",
        ("/gifts?" + "ref=" + "x" * 1010,),
        12,
    ),
    (
        "Summer Cold Brew Preview",
        "Cold brew season starts soon",
        ("/shop/cold-brew",),
        -3,
    ),
    ("Loyalty Program Draft", "Introducing Contoso Rewards", ("/rewards",), None),
)


def seed(service: ConstantContactService) -> None:
    desk = desk_of(service)
    now = service.now()
    list_ids = _seed_list_ids(service)

    for name, subject, paths, days_ago in CAMPAIGNS:
        campaign = desk.campaigns.create_campaign(
            name,
            _activity_fields(subject, paths),
            now - timedelta(days=(days_ago or 0) + 2),
            ids=(
                account_seed.seeded_id(f"campaign:{name}"),
                account_seed.seeded_id(f"campaign:{name}:primary_email"),
                account_seed.seeded_id(f"campaign:{name}:permalink"),
            ),
        )

        if days_ago is not None:
            primary = campaign["campaign_activities"][0]["campaign_activity_id"]
            _schedule(desk, primary, list_ids, now - timedelta(days=days_ago), now)

    # Sends whose time lies in the past happen now, with their engagement.
    desk.catch_up(now)
    logger.info("Constant Contact sandbox: seeded %s email campaigns", len(CAMPAIGNS))


def _seed_list_ids(service: ConstantContactService) -> list[str]:
    """The seeded lists, by name, so that the choice does not depend on insert order."""
    lists = sorted(service.store.all("contact_list"), key=lambda item: item["name"])
    return [item["list_id"] for item in lists[:2]]


def _activity_fields(subject: str, paths: tuple[str, ...]) -> dict[str, Any]:
    links = "\n".join(
        f'<p><a href="{SITE}{path}">{_label(path)}</a></p>' for path in paths
    )
    html = (
        "<html><body>[[trackingImage]]"
        f"<h1>{subject}</h1>"
        '<p>Hello [[FIRSTNAME OR "friend"]],</p>'
        f"{links}"
        "<p>Thanks for reading, the Contoso Coffee team.</p>"
        "</body></html>"
    )

    return {
        "from_name": "Contoso Coffee Roasters",
        "from_email": SENDER,
        "reply_to_email": SENDER,
        "subject": subject,
        "preheader": "News from Contoso Coffee Roasters",
        "html_content": html,
        "physical_address_in_footer": dict(FOOTER),
    }


def _label(path: str) -> str:
    words = path.strip("/").split("?")[0].replace("-", " ").replace("/", " ")
    return words.title() or "Visit us"


def _schedule(
    desk: CampaignDesk,
    activity_id: str,
    list_ids: list[str],
    when: datetime,
    now: datetime,
) -> None:
    activity = desk.campaigns.activity(activity_id)
    activity["contact_list_ids"] = list(list_ids)
    activity["sandbox"]["prior_status"] = activity["current_status"]
    activity["sandbox"]["scheduled_date"] = iso(when)
    activity["current_status"] = "SCHEDULED"

    desk.campaigns.save_activity(activity, min(when, now))
    desk.campaigns.set_schedule(activity_id, when)
