"""Sending an activity: schedules, send history, previews and test sends.

- `POST .../schedules` with `{"scheduled_date": "0"}` sends now (201, `[]`); with a
  date it schedules (201, `[{"scheduled_date"}]`). Only the primary email, only from
  DRAFT, DONE or ERROR, and only once recipients are set. Scheduling a DONE activity
  sends it again, to contacts not sent to before.
- `GET .../schedules` is `[]` unless SCHEDULED; `DELETE` unschedules (204), back to
  the status before scheduling.
- `GET .../send_history`: one row per send, oldest first, with its reason code.
- `GET .../previews`: the HTML and text as the owner would see them.
- `POST .../tests`: up to 5 addresses a call and 50 test emails a (UTC) day; past
  that, 429 as the guide says.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time
from typing import Any

from . import account, campaign_content, timestamps
from .campaign_store import PRIMARY_EMAIL, public_activity
from .errors import ApiError, InvalidRequestError
from .routing import Call, Reply, operation
from .sending import DEFAULT_SETTINGS, SETTINGS_SECTION, desk_of

logger = logging.getLogger(__name__)

SCOPE = "campaign_data"
BASE = "/emails/activities/{campaign_activity_id}"
ERROR_KEY = "email.api.validation.error"
SCHEDULABLE_STATUSES = frozenset({"DRAFT", "DONE", "ERROR"})
SEND_NOW = "0"
TEST_SENDS_KIND = "email_test_sends"
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@operation("GET", BASE + "/schedules", scope=SCOPE)
def get_schedule(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    activity = desk.campaigns.activity(_activity_id(call))
    scheduled = activity["sandbox"]["scheduled_date"]

    if activity["current_status"] != "SCHEDULED" or scheduled is None:
        return 200, []

    return 200, [{"scheduled_date": scheduled}]


@operation("POST", BASE + "/schedules", scope=SCOPE)
def schedule(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    activity = desk.campaigns.primary_activity(_activity_id(call))
    when = _scheduled_date(call.body, call.now())
    _check_schedulable(activity)

    activity["sandbox"]["prior_status"] = activity["current_status"]
    activity["sandbox"]["scheduled_date"] = timestamps.iso(when)
    activity["current_status"] = "SCHEDULED"
    desk.campaigns.save_activity(activity, call.now())
    desk.campaigns.set_schedule(activity["campaign_activity_id"], when)
    logger.info("scheduled campaign activity %s", activity["campaign_activity_id"])

    if call.body["scheduled_date"] == SEND_NOW:
        desk.catch_up()
        return 201, []

    return 201, [{"scheduled_date": timestamps.iso(when)}]


@operation("DELETE", BASE + "/schedules", scope=SCOPE)
def unschedule(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    activity = desk.campaigns.primary_activity(_activity_id(call))

    if activity["current_status"] != "SCHEDULED":
        raise ApiError(
            400,
            "email.api.campaign_activity.status",
            "Only a SCHEDULED email campaign activity can be unscheduled.",
        )

    activity["current_status"] = activity["sandbox"]["prior_status"] or "DRAFT"
    activity["sandbox"]["prior_status"] = None
    activity["sandbox"]["scheduled_date"] = None
    desk.campaigns.save_activity(activity, call.now())
    desk.campaigns.set_schedule(activity["campaign_activity_id"], None)
    return 204, None


@operation("GET", BASE + "/send_history", scope=SCOPE)
def send_history(call: Call) -> Reply:
    desk = desk_of(call.service)
    desk.catch_up()
    activity = desk.campaigns.activity(_activity_id(call))

    if activity["role"] not in (PRIMARY_EMAIL, "resend"):
        raise ApiError(
            400,
            "email.api.campaign_activity.role",
            "Send history exists only for primary_email and resend activities.",
        )

    return 200, activity["sandbox"]["send_history"]


@operation("GET", BASE + "/previews", scope=SCOPE)
def preview(call: Call) -> Reply:
    desk = desk_of(call.service)
    activity = public_activity(desk.campaigns.activity(_activity_id(call)))
    owner = _owner(call)
    content = activity.get("html_content", "")

    return 200, {
        "campaign_activity_id": activity["campaign_activity_id"],
        "from_email": activity.get("from_email", ""),
        "from_name": activity.get("from_name", ""),
        "reply_to_email": activity.get("reply_to_email", ""),
        "subject": activity.get("subject", ""),
        "preheader": activity.get("preheader", ""),
        "preview_html_content": campaign_content.preview_html(content, owner),
        "preview_text_content": campaign_content.preview_text(content, owner),
    }


@operation("POST", BASE + "/tests", scope=SCOPE)
def test_send(call: Call) -> Reply:
    desk = desk_of(call.service)
    activity = desk.campaigns.primary_activity(_activity_id(call))
    addresses = _test_addresses(call.body)

    _count_test_emails(call, len(addresses))
    logger.info(
        "test send of campaign activity %s to %s addresses",
        activity["campaign_activity_id"],
        len(addresses),
    )
    return 204, None


def _activity_id(call: Call) -> str:
    return call.path_params["campaign_activity_id"]


def _scheduled_date(body: Any, now: datetime) -> datetime:
    """`"0"` (now), an ISO date (its midnight UTC) or date-time, not in the past."""
    if not isinstance(body, dict) or not isinstance(body.get("scheduled_date"), str):
        raise InvalidRequestError(ERROR_KEY, "scheduled_date is required.")

    raw = body["scheduled_date"]

    if raw == SEND_NOW:
        return now

    try:
        when = _parse_date(raw)
    except ValueError as error:
        raise InvalidRequestError(
            ERROR_KEY, "scheduled_date must be an ISO-8601 date or date-time, or 0."
        ) from error

    if when < now:
        raise InvalidRequestError(ERROR_KEY, "scheduled_date must not be in the past.")

    return when


def _parse_date(raw: str) -> datetime:
    if len(raw) == 10:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)

    when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _check_schedulable(activity: dict[str, Any]) -> None:
    if activity["current_status"] not in SCHEDULABLE_STATUSES:
        raise ApiError(
            400,
            "email.api.campaign_activity.status",
            "Only email campaign activities in DRAFT, DONE or ERROR status can be "
            f"scheduled; this one is {activity['current_status']}.",
        )

    if not activity.get("contact_list_ids") and not activity.get("segment_ids"):
        raise ApiError(
            400,
            "email.api.campaign_activity.recipients",
            "Add contact lists or a segment to the email campaign activity "
            "(PUT /emails/activities/{campaign_activity_id}) before scheduling it.",
        )


def _owner(call: Call) -> dict[str, str]:
    summary = call.store.get(account.SUMMARY_KIND, "summary") or {}
    return {
        "first_name": summary.get("first_name", ""),
        "last_name": summary.get("last_name", ""),
        "email_address": summary.get("contact_email", ""),
    }


def _test_addresses(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("email_addresses"), list):
        raise InvalidRequestError(ERROR_KEY, "email_addresses is required.")

    addresses = body["email_addresses"]

    if not 1 <= len(addresses) <= 5:
        raise InvalidRequestError(
            ERROR_KEY, "email_addresses must hold 1 to 5 addresses."
        )

    for address in addresses:
        if not isinstance(address, str) or not EMAIL_ADDRESS.match(address):
            raise InvalidRequestError(
                ERROR_KEY, "email_addresses holds an invalid address."
            )

    message = body.get("personal_message")

    if message is not None and not isinstance(message, str):
        raise InvalidRequestError(ERROR_KEY, "personal_message must be a string.")

    return addresses


def _count_test_emails(call: Call, count: int) -> None:
    """Each recipient counts towards the daily allowance (per UTC day)."""
    section = call.service.context.settings.get(SETTINGS_SECTION) or {}
    limit = section.get("test_emails_per_day", DEFAULT_SETTINGS["test_emails_per_day"])
    day = call.now().astimezone(UTC).date().isoformat()

    with call.store.transaction():
        record = call.store.get(TEST_SENDS_KIND, day)
        used = record["count"] if record else 0

        if used + count > limit:
            raise ApiError(
                429,
                "too_many_requests",
                f"Too many requests: at most {limit} test emails a day.",
            )

        if record is None:
            call.store.insert(TEST_SENDS_KIND, day, {"count": count})
        else:
            call.store.replace(TEST_SENDS_KIND, day, {"count": used + count})
