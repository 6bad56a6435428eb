"""One email campaign activity: `GET/PUT /emails/activities/{campaign_activity_id}`.

GET hides the sub-resources (`physical_address_in_footer`, `permalink_url`,
`html_content`, `document_properties`) unless `include` names them. PUT takes the
complete activity: only the `primary_email` role, only in DRAFT or DONE status (the
spec's rule; the guide's narrower "DONE only for format 3" is not applied), with
contact lists or one segment as recipients, never both.
"""

from __future__ import annotations

import logging

from . import account, campaign_validation, params
from .campaign_store import public_activity
from .errors import ApiError
from .routing import Call, Reply, operation
from .sending import desk_of

logger = logging.getLogger(__name__)

SCOPE = "campaign_data"
INCLUDABLE = (
    "physical_address_in_footer",
    "permalink_url",
    "html_content",
    "document_properties",
)
EDITABLE_STATUSES = frozenset({"DRAFT", "DONE"})


@operation("GET", "/emails/activities/{campaign_activity_id}", scope=SCOPE)
def get_activity(call: Call) -> Reply:
    included = params.csv_values(
        call.query, "include", campaign_validation.ERROR_KEY, allowed=INCLUDABLE
    )
    desk = desk_of(call.service)
    desk.catch_up()
    activity = public_activity(desk.campaigns.activity(_activity_id(call)))

    for name in INCLUDABLE:
        if name not in included:
            activity.pop(name, None)

    return 200, activity


@operation("PUT", "/emails/activities/{campaign_activity_id}", scope=SCOPE)
def update_activity(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    current = desk.campaigns.primary_activity(_activity_id(call))

    if current["current_status"] not in EDITABLE_STATUSES:
        raise ApiError(
            400,
            "email.api.campaign_activity.status",
            "Only email campaign activities in DRAFT or DONE status can be updated; "
            f"this one is {current['current_status']}.",
        )

    confirmed = account.confirmed_addresses(call)
    updated = campaign_validation.activity_update(call.body, current, confirmed)

    desk.campaigns.save_activity(updated, call.now())
    logger.info("updated email campaign activity %s", updated["campaign_activity_id"])
    return 200, public_activity(updated)


def _activity_id(call: Call) -> str:
    return call.path_params["campaign_activity_id"]
