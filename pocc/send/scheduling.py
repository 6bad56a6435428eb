"""The campaign activity's side of a send: its recipients, its schedule, once.

Constant Contact schedules only the `primary_email` activity and only from DRAFT,
DONE or ERROR (reference notes, 6.6); a DONE activity scheduled again goes to the
contacts of its lists not sent to before. Scheduling is the one step that must never
run twice, and its answer can be lost in a crash, so pocc notes how many sends the
activity had before asking, and on resume treats the activity as scheduled when it
is SCHEDULED or EXECUTING, or has more sends than noted.
"""

from __future__ import annotations

import logging
from typing import Any

from pocc.errors import PoccError

logger = logging.getLogger(__name__)

SCHEDULABLE_STATUSES = frozenset({"DRAFT", "DONE", "ERROR"})
UNDER_WAY_STATUSES = frozenset({"SCHEDULED", "EXECUTING"})
SEND_NOW = "0"
# The parts of an activity a PUT must carry back (it replaces the whole activity).
FULL_ACTIVITY = (
    "physical_address_in_footer",
    "permalink_url",
    "html_content",
    "document_properties",
)


class CampaignNotSendableError(PoccError):
    """Constant Contact will not schedule this campaign now; the message says why."""


def check_schedulable(activity: dict[str, Any], campaign_name: str) -> None:
    """Fails at once, naming what to do, when the activity cannot be scheduled."""
    status = str(activity.get("current_status") or "").upper()

    if status in SCHEDULABLE_STATUSES:
        return

    if status in UNDER_WAY_STATUSES:
        raise CampaignNotSendableError(
            f"The campaign {campaign_name} is already {status.lower()} in Constant "
            "Contact. Unschedule it there (or wait for it to finish) before sending "
            "it from Dynamics 365."
        )

    raise CampaignNotSendableError(
        f"Constant Contact will not schedule the campaign {campaign_name} while it "
        f"is {status.lower() or 'in an unknown state'}; only draft, sent and errored "
        "campaigns can be scheduled."
    )


def set_send_list(client: Any, activity_id: str, list_id: str) -> bool:
    """Makes the send's list the activity's only recipients; False if it already was."""
    activity = client.campaign_activity(activity_id, include=FULL_ACTIVITY)

    if list(activity.get("contact_list_ids") or []) == [list_id] and not activity.get(
        "segment_ids"
    ):
        return False

    activity["contact_list_ids"] = [list_id]
    activity.pop("segment_ids", None)
    client.update_campaign_activity(activity_id, activity)
    logger.info("activity %s now goes to list %s", activity_id, list_id)
    return True


def send_count(client: Any, activity_id: str) -> int:
    return len(client.send_history(activity_id) or [])


def already_scheduled(client: Any, activity_id: str, sends_before: int) -> bool:
    """Whether a schedule asked for earlier (answer lost or not) took effect."""
    activity = client.campaign_activity(activity_id)
    status = str(activity.get("current_status") or "").upper()

    if status in UNDER_WAY_STATUSES:
        return True

    return send_count(client, activity_id) > sends_before


def schedule(client: Any, activity_id: str, scheduled_date: str | None) -> None:
    """Schedules the activity at `scheduled_date` (ISO, UTC) or now."""
    client.schedule(activity_id, scheduled_date or SEND_NOW)
    logger.info("scheduled activity %s for %s", activity_id, scheduled_date or "now")
