"""Email campaigns: `GET/POST /emails` and `GET/PATCH/DELETE /emails/{campaign_id}`.

`GET /emails` lists every campaign, removed ones included, in creation order, 50 a
page by default (1-500), filtered on `updated_at` by `after_date` and `before_date`;
it shows no activities. `POST /emails` answers 200 (not 201) with the new campaign and
its `primary_email` and `permalink` activities. Deleting marks the campaign Removed
(the real service keeps it so a user can restore it) and is refused while Scheduled.
"""

from __future__ import annotations

import logging
from datetime import datetime

from . import account, campaign_validation, params, timestamps
from .routing import Call, Reply, operation
from .sending import desk_of

logger = logging.getLogger(__name__)

SCOPE = "campaign_data"
LIST_FIELDS = (
    "campaign_id",
    "name",
    "current_status",
    "type",
    "type_code",
    "created_at",
    "updated_at",
)


@operation("GET", "/emails", scope=SCOPE)
def list_campaigns(call: Call) -> Reply:
    key = campaign_validation.ERROR_KEY
    limit = params.integer(call.query, "limit", key, default=50, minimum=1, maximum=500)
    after_date = params.timestamp(call.query, "after_date", key)
    before_date = params.timestamp(call.query, "before_date", key)
    cursor = params.decode_cursor(call.query, key) or {}
    desk = desk_of(call.service)
    desk.catch_up()

    matching = [
        (position, campaign)
        for position, campaign in desk.campaigns.campaigns_page(
            int(cursor.get("after", 0))
        )
        if _updated_within(campaign["updated_at"], after_date, before_date)
    ]
    page = matching[:limit]
    body: dict[str, object] = {
        "campaigns": [{name: c[name] for name in LIST_FIELDS} for _, c in page],
        "_links": {},
    }

    if len(matching) > limit:
        query = {k: v for k, v in call.query.items() if k != "cursor"}
        query["cursor"] = params.encode_cursor({"after": page[-1][0]})
        body["_links"] = {"next": {"href": call.href("/emails", query)}}

    return 200, body


@operation("POST", "/emails", scope=SCOPE)
def create_campaign(call: Call) -> Reply:
    confirmed = account.confirmed_addresses(call)
    name, fields = campaign_validation.new_campaign(call.body, confirmed)
    desk = desk_of(call.service)

    campaign = desk.campaigns.create_campaign(name, fields, call.now())
    logger.info("created email campaign %s", campaign["campaign_id"])
    return 200, campaign


@operation("GET", "/emails/{campaign_id}", scope=SCOPE)
def get_campaign(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    return 200, desk.campaigns.campaign(call.path_params["campaign_id"])


@operation("PATCH", "/emails/{campaign_id}", scope=SCOPE)
def rename_campaign(call: Call) -> Reply:
    name = campaign_validation.campaign_name(call.body)
    desk = desk_of(call.service)
    return 200, desk.campaigns.rename(call.path_params["campaign_id"], name, call.now())


@operation("DELETE", "/emails/{campaign_id}", scope=SCOPE)
def delete_campaign(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    desk.campaigns.remove(call.path_params["campaign_id"], call.now())
    return 204, None


def _updated_within(
    updated_at: str, after_date: datetime | None, before_date: datetime | None
) -> bool:
    updated = timestamps.parse(updated_at)

    if after_date is not None and updated < after_date:
        return False

    return before_date is None or updated < before_date
