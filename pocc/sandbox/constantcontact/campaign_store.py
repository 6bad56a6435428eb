"""Email campaigns and their activities, kept as documents in the account store.

A campaign document holds what `GET /emails/{id}` shows; an activity document holds
what `GET /emails/activities/{id}` shows plus a `sandbox` section that the API never
shows (the status before scheduling, the schedule, the send history). A campaign's
`current_status` follows its primary email activity's status.

Scheduled activities are also listed in the `email_schedules` table so that the
sending loop finds the due ones with one indexed query.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from .errors import ApiError, ConflictError, NotFoundError
from .store import AccountStore, DuplicateKeyError
from .tracking_store import format_time

CAMPAIGN = "email_campaign"
ACTIVITY = "email_campaign_activity"

PRIMARY_EMAIL = "primary_email"
PERMALINK = "permalink"

# Activity status -> campaign status, as the two enums spell them.
CAMPAIGN_STATUS = {
    "DRAFT": "Draft",
    "SCHEDULED": "Scheduled",
    "EXECUTING": "Executing",
    "DONE": "Done",
    "ERROR": "Error",
    "REMOVED": "Removed",
}

SCHEDULES_SCHEMA = """
CREATE TABLE IF NOT EXISTS email_schedules (
    campaign_activity_id TEXT PRIMARY KEY,
    scheduled_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS email_schedules_due ON email_schedules (scheduled_at);
"""

CUSTOM_CODE_TYPE = ("Custom Code Email", 26)


class CampaignStore:
    def __init__(self, store: AccountStore) -> None:
        self._store = store
        store.ensure_tables(SCHEDULES_SCHEMA)

    # Campaigns

    def create_campaign(
        self,
        name: str,
        activity_fields: dict[str, Any],
        now: datetime,
        ids: tuple[str, str, str] | None = None,
    ) -> dict[str, Any]:
        """A new campaign with its primary email and permalink activities.

        `ids` (campaign, primary, permalink) lets the seed make stable ids.
        """
        campaign_id, primary_id, permalink_id = ids or tuple(
            str(uuid.uuid4()) for _ in range(3)
        )
        stamp = format_time(now)
        campaign = {
            "campaign_id": campaign_id,
            "name": name,
            "current_status": "Draft",
            "type": CUSTOM_CODE_TYPE[0],
            "type_code": CUSTOM_CODE_TYPE[1],
            "created_at": stamp,
            "updated_at": stamp,
            "campaign_activities": [
                {"campaign_activity_id": primary_id, "role": PRIMARY_EMAIL},
                {"campaign_activity_id": permalink_id, "role": PERMALINK},
            ],
        }

        with self._store.transaction():
            self._insert_campaign(campaign)

            for activity_id, role in (
                (primary_id, PRIMARY_EMAIL),
                (permalink_id, PERMALINK),
            ):
                activity = new_activity(activity_id, campaign_id, role, activity_fields)
                self._store.insert(ACTIVITY, activity_id, activity)

        return campaign

    def campaign(self, campaign_id: str) -> dict[str, Any]:
        campaign = self._store.get(CAMPAIGN, campaign_id)

        if campaign is None:
            raise NotFoundError(
                "email.api.campaign.not_found",
                f"Email campaign {campaign_id} was not found.",
            )

        return campaign

    def campaigns_page(self, after: int) -> list[tuple[int, dict[str, Any]]]:
        return self._store.page(CAMPAIGN, after=after)

    def rename(self, campaign_id: str, name: str, now: datetime) -> dict[str, Any]:
        campaign = self.campaign(campaign_id)

        if campaign["current_status"] == "Removed":
            raise ApiError(
                400,
                "email.api.campaign.removed",
                "An email campaign with Removed status cannot be renamed.",
            )

        campaign["name"] = name
        campaign["updated_at"] = format_time(now)
        self._replace_campaign(campaign)
        return campaign

    def remove(self, campaign_id: str, now: datetime) -> None:
        """Delete as the real service does: the campaign stays, as Removed."""
        campaign = self.campaign(campaign_id)

        if campaign["current_status"] == "Scheduled":
            raise ApiError(
                400,
                "email.api.campaign.scheduled",
                "An email campaign cannot be deleted while it is Scheduled.",
            )

        with self._store.transaction():
            for reference in campaign["campaign_activities"]:
                activity = self._store.get(ACTIVITY, reference["campaign_activity_id"])
                if activity is not None:
                    activity["current_status"] = "REMOVED"
                    self._store.replace(
                        ACTIVITY, activity["campaign_activity_id"], activity
                    )

            campaign["current_status"] = "Removed"
            campaign["updated_at"] = format_time(now)
            self._replace_campaign(campaign)

    # Activities

    def activity(self, activity_id: str) -> dict[str, Any]:
        """An activity the API may show (not one of a removed campaign)."""
        activity = self._store.get(ACTIVITY, activity_id)

        if activity is None or activity["current_status"] == "REMOVED":
            raise NotFoundError(
                "email.api.campaign_activity.not_found",
                f"Email campaign activity {activity_id} was not found.",
            )

        return activity

    def primary_activity(self, activity_id: str) -> dict[str, Any]:
        activity = self.activity(activity_id)

        if activity["role"] != PRIMARY_EMAIL:
            raise ApiError(
                400,
                "email.api.campaign_activity.role",
                "Only an email campaign activity with the primary_email role can "
                "be changed, scheduled or tested.",
            )

        return activity

    def save_activity(self, activity: dict[str, Any], now: datetime) -> None:
        """Store an activity and bring its campaign's status and update time along."""
        with self._store.transaction():
            self._store.replace(ACTIVITY, activity["campaign_activity_id"], activity)
            campaign = self.campaign(activity["campaign_id"])

            if activity["role"] == PRIMARY_EMAIL:
                campaign["current_status"] = CAMPAIGN_STATUS[activity["current_status"]]

            campaign["updated_at"] = format_time(now)
            self._replace_campaign(campaign)

    # Schedules

    def set_schedule(self, activity_id: str, scheduled_at: datetime | None) -> None:
        with self._store.transaction() as connection:
            connection.execute(
                "DELETE FROM email_schedules WHERE campaign_activity_id = ?",
                (activity_id,),
            )

            if scheduled_at is not None:
                connection.execute(
                    "INSERT INTO email_schedules VALUES (?, ?)",
                    (activity_id, format_time(scheduled_at)),
                )

    def due_activities(self, now: datetime) -> list[str]:
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT campaign_activity_id FROM email_schedules"
                " WHERE scheduled_at <= ? ORDER BY scheduled_at",
                (format_time(now),),
            ).fetchall()

        return [row[0] for row in rows]

    def _insert_campaign(self, campaign: dict[str, Any]) -> None:
        try:
            self._store.insert(
                CAMPAIGN, campaign["campaign_id"], campaign, campaign["name"].lower()
            )
        except DuplicateKeyError as error:
            raise _duplicate_name(campaign["name"]) from error

    def _replace_campaign(self, campaign: dict[str, Any]) -> None:
        try:
            self._store.replace(
                CAMPAIGN, campaign["campaign_id"], campaign, campaign["name"].lower()
            )
        except DuplicateKeyError as error:
            raise _duplicate_name(campaign["name"]) from error


def new_activity(
    activity_id: str, campaign_id: str, role: str, fields: dict[str, Any]
) -> dict[str, Any]:
    activity = {
        "campaign_activity_id": activity_id,
        "campaign_id": campaign_id,
        "role": role,
        "contact_list_ids": [],
        "segment_ids": [],
        "current_status": "DRAFT",
        "format_type": 5,
        "template_id": "",
        "permalink_url": f"https://myemail.constantcontact.com/{campaign_id}.html",
        **copy.deepcopy(fields),
        "sandbox": {"prior_status": None, "scheduled_date": None, "send_history": []},
    }
    return activity


def public_activity(activity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in activity.items() if key != "sandbox"}


def _duplicate_name(name: str) -> ConflictError:
    return ConflictError(
        "email.api.campaign.name.duplicate",
        f"An email campaign named {name!r} already exists.",
    )
