"""Email campaigns, their activities, schedules, previews and send history (scope
`campaign_data`; reference notes, 6.5 and 6.6).

A campaign owns activities; the `primary_email` one is the email that is edited,
scheduled and sent. Scheduling is never repeated after a lost answer: a campaign
must not be sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pocc.constantcontact.api_base import MAX_PAGE, ApiBase, segment
from pocc.constantcontact.writable import (
    CAMPAIGN_ACTIVITY,
    EMAIL_CAMPAIGN,
    writable,
)

logger = logging.getLogger(__name__)

PRIMARY_EMAIL = "primary_email"


class CampaignsApi(ApiBase):
    # Campaigns

    def email_campaigns(
        self,
        *,
        after_date: str | None = None,
        before_date: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> Iterator[dict[str, Any]]:
        """Every campaign (filters apply to `updated_at`), newest pages first."""
        params: dict[str, Any] = {"limit": page_size}

        if after_date:
            params["after_date"] = after_date

        if before_date:
            params["before_date"] = before_date

        return self._items("emails", "campaigns", "reading email campaigns", params)

    def email_campaign(self, campaign_id: str) -> dict[str, Any]:
        """A campaign with its activities (`campaign_activities[{id, role}]`)."""
        return self._get(f"emails/{segment(campaign_id)}", "reading a campaign")

    def create_email_campaign(self, campaign: Mapping[str, Any]) -> dict[str, Any]:
        """POST /emails (answers 200); a taken name is a DuplicateKeyError."""
        body = writable(EMAIL_CAMPAIGN, campaign)
        return self._write("POST", "emails", "creating an email campaign", body)

    def rename_email_campaign(self, campaign_id: str, name: str) -> dict[str, Any]:
        path = f"emails/{segment(campaign_id)}"
        return self._write("PATCH", path, "renaming a campaign", {"name": name})

    def delete_email_campaign(self, campaign_id: str) -> None:
        path = f"emails/{segment(campaign_id)}"
        self._write("DELETE", path, "deleting a campaign")

    # Campaign activities

    def campaign_activity(
        self, campaign_activity_id: str, include: Sequence[str] = ()
    ) -> dict[str, Any]:
        params = {"include": ",".join(include)} if include else None
        path = f"emails/activities/{segment(campaign_activity_id)}"
        return self._get(path, "reading a campaign activity", params)

    def update_campaign_activity(
        self, campaign_activity_id: str, activity: Mapping[str, Any]
    ) -> dict[str, Any]:
        """PUT the whole activity: sender, subject, content and recipients (lists)."""
        body = writable(CAMPAIGN_ACTIVITY, activity)
        path = f"emails/activities/{segment(campaign_activity_id)}"
        return self._write("PUT", path, "updating a campaign activity", body)

    # Schedules, tests, previews, send history

    def schedules(self, campaign_activity_id: str) -> list[dict[str, Any]]:
        path = f"emails/activities/{segment(campaign_activity_id)}/schedules"
        return self._get(path, "reading a campaign's schedule")

    def schedule(
        self, campaign_activity_id: str, scheduled_date: str = "0"
    ) -> list[dict[str, Any]]:
        """Schedules the activity (`"0"`: send now). Never repeated by pocc."""
        path = f"emails/activities/{segment(campaign_activity_id)}/schedules"
        body = {"scheduled_date": scheduled_date}
        return self._write("POST", path, "scheduling a campaign", body)

    def unschedule(self, campaign_activity_id: str) -> None:
        path = f"emails/activities/{segment(campaign_activity_id)}/schedules"
        self._write("DELETE", path, "unscheduling a campaign")

    def send_test(
        self,
        campaign_activity_id: str,
        addresses: Sequence[str],
        personal_message: str | None = None,
    ) -> None:
        """Test emails to at most 5 addresses (the account may send 50 a day)."""
        body: dict[str, Any] = {"email_addresses": list(addresses)}

        if personal_message:
            body["personal_message"] = personal_message

        path = f"emails/activities/{segment(campaign_activity_id)}/tests"
        self._write("POST", path, "sending a test email", body)

    def preview(self, campaign_activity_id: str) -> dict[str, Any]:
        """Subject, sender, and the HTML and text of the email as contacts see it."""
        path = f"emails/activities/{segment(campaign_activity_id)}/previews"
        return self._get(path, "reading a campaign preview")

    def send_history(self, campaign_activity_id: str) -> list[dict[str, Any]]:
        """Each send of the activity, oldest first; empty when never sent."""
        path = f"emails/activities/{segment(campaign_activity_id)}/send_history"
        return self._get(path, "reading a campaign's send history")


def primary_activity_id(campaign: Mapping[str, Any]) -> str | None:
    """The `primary_email` activity of a campaign as `email_campaign` returns it."""
    for activity in campaign.get("campaign_activities") or []:
        if activity.get("role") == PRIMARY_EMAIL:
            return activity.get("campaign_activity_id")

    return None
