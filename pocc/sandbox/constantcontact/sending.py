"""Sending scheduled campaign activities when the sandbox clock reaches their time.

`CampaignDesk.catch_up(now)` is the one entry: it sends every activity whose schedule
is due, then applies the side effects of engagement events whose time has come (an
opt-out or an abuse report unsubscribes the contact). It runs on the background loop
and at the start of every campaign and report operation, so a test that advances the
clock sees the consequences on its very next request.

A send writes one `em_sends` event per eligible recipient at the run time, and the
simulated engagement that follows (see `engagement.py`) with future times; the send
history row records the count and the reason code (12 when nobody was eligible, 8
when a link is too long to track).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime
from typing import Any

from . import campaign_content, contact_records
from .campaign_store import CampaignStore
from .engagement import (
    ABUSE,
    OPT_OUT,
    SEND,
    EngagementEvent,
    Recipient,
    simulate_engagement,
)
from .service import ConstantContactService
from .store import AccountStore
from .tracking_store import ContactNames, TrackingStore, format_time

logger = logging.getLogger(__name__)

SERVICE_KEY = "constantcontact_campaigns"

# Settings of the campaign side, in their own section of the sandbox's settings
# (`PATCH /_sandbox/settings` with {"constantcontact_campaigns": {...}}).
SETTINGS_SECTION = "constantcontact_campaigns"
DEFAULT_SETTINGS = {
    # Seeds the engagement simulation: the same seed gives the same events.
    "engagement_seed": "pocc-sandbox",
    # Test emails a day; every recipient of a test send counts.
    "test_emails_per_day": 50,
}

REASON_SENT = 0
REASON_LINK_TOO_LONG = 8
REASON_NO_ELIGIBLE_CONTACTS = 12

# Engagement events that change the contact: both end its subscription.
UNSUBSCRIBING_KINDS = (OPT_OUT, ABUSE)


class CampaignDesk:
    """The campaign side of one account: its stores and its sending."""

    def __init__(self, service: ConstantContactService) -> None:
        self.service = service
        self.campaigns = CampaignStore(service.store)
        self.tracking = TrackingStore(service.store)
        self._lock = threading.Lock()

    @property
    def seed(self) -> str:
        section = self.service.context.settings.get(SETTINGS_SECTION) or {}
        return str(section.get("engagement_seed", DEFAULT_SETTINGS["engagement_seed"]))

    def catch_up(self, now: datetime | None = None) -> None:
        now = now or self.service.now()

        with self._lock:
            for activity_id in self.campaigns.due_activities(now):
                self._send(activity_id)

            self._apply_due_effects(now)

    def _send(self, activity_id: str) -> None:
        # One transaction: a sandbox killed mid-send restarts with all of it (links,
        # sends, engagement, history, status) or none, and then sends it whole.
        with self.service.store.transaction():
            self._send_in_transaction(activity_id)

    def _send_in_transaction(self, activity_id: str) -> None:
        activity = self.campaigns.activity(activity_id)
        run_at = _parse(activity["sandbox"]["scheduled_date"])
        history = activity["sandbox"]["send_history"]
        send_id = len(history) + 1

        links = campaign_content.extract_links(
            activity_id, activity.get("html_content", "")
        )
        recipients = self._eligible_recipients(activity, run_at)

        if campaign_content.has_overlong_link(links):
            status, reason, sent = "ERROR", REASON_LINK_TOO_LONG, 0
        elif not recipients:
            status, reason, sent = "DONE", REASON_NO_ELIGIBLE_CONTACTS, 0
        else:
            self.tracking.save_links(activity_id, links)
            sent = self._record_send(activity_id, send_id, recipients, links, run_at)
            status, reason = "DONE", REASON_SENT

        history.append(
            {
                "send_id": send_id,
                "contact_list_ids": list(activity.get("contact_list_ids") or []),
                "segment_ids": list(activity.get("segment_ids") or []),
                "count": sent,
                "run_date": format_time(run_at),
                "send_status": "ERRORED" if status == "ERROR" else "COMPLETED",
                "reason_code": reason,
            }
        )
        activity["current_status"] = status
        activity["sandbox"]["scheduled_date"] = None
        activity["sandbox"]["prior_status"] = None

        self.campaigns.save_activity(activity, run_at)
        self.campaigns.set_schedule(activity_id, None)
        logger.info(
            "campaign activity %s send %s: %s recipients, reason %s",
            activity_id,
            send_id,
            sent,
            reason,
        )

    def _eligible_recipients(
        self, activity: dict[str, Any], run_at: datetime
    ) -> list[Recipient]:
        """Members of the activity's lists who may receive it now.

        Unsubscribed and deleted contacts never do; neither does an address that
        bounced hard before; on a resend, neither does anyone already sent to.
        """
        members = contact_records.eligible_members(
            self.service.store, activity.get("contact_list_ids") or []
        )
        excluded = self.tracking.hard_bounced(run_at)
        excluded |= self.tracking.contacts_sent(activity["campaign_activity_id"])

        return [
            Recipient(
                member["contact_id"],
                member["email_address"]["address"],
                member.get("first_name") or "",
                member.get("last_name") or "",
            )
            for member in members
            if member["contact_id"] not in excluded
        ]

    def _record_send(
        self,
        activity_id: str,
        send_id: int,
        recipients: list[Recipient],
        links: list[campaign_content.Link],
        run_at: datetime,
    ) -> int:
        names = {
            r.contact_id: ContactNames(r.email_address, r.first_name, r.last_name)
            for r in recipients
        }
        sends = (EngagementEvent(SEND, r.contact_id, run_at) for r in recipients)
        run_key = engagement_run_key(self.seed, activity_id, send_id)
        engagement = simulate_engagement(recipients, links, run_at, run_key)

        self.tracking.add_events(activity_id, send_id, sends, names)
        self.tracking.add_events(activity_id, send_id, engagement, names)
        return len(recipients)

    def _apply_due_effects(self, now: datetime) -> None:
        due = self.tracking.due_effects(UNSUBSCRIBING_KINDS, now)

        if not due:
            return

        with self.service.store.transaction():
            for event in due:
                _unsubscribe(self.service.store, event["contact_id"], event)

        self.tracking.mark_applied([event["seq"] for event in due])
        logger.info("applied %s opt-outs and abuse reports", len(due))


def desk_of(service: ConstantContactService) -> CampaignDesk:
    """The account's campaign desk, made (and put on the background loop) once."""
    services = service.context.services

    with _DESK_LOCK:
        desk = services.get(SERVICE_KEY)

        if desk is None:
            service.context.settings.setdefault(
                SETTINGS_SECTION, dict(DEFAULT_SETTINGS)
            )
            desk = CampaignDesk(service)
            services[SERVICE_KEY] = desk
            service.background.register("campaign-sending", desk.catch_up)

    return desk


def install(service: ConstantContactService) -> CampaignDesk:
    """Put sending on the background loop (`mount` does, before seeding)."""
    return desk_of(service)


def engagement_run_key(seed: str, activity_id: str, send_id: int) -> str:
    """What names one send to the engagement simulation: with the same seed, the
    same activity, send number, recipients and links give the same events."""
    return f"{seed}|{activity_id}|{send_id}"


def _unsubscribe(store: AccountStore, contact_id: str, event: sqlite3.Row) -> None:
    """The contact opted out themselves: only they can opt back in."""
    contact = contact_records.get(store, contact_id)

    if contact is None or contact.get("deleted_at"):
        return

    email = contact.get("email_address") or {}

    if email.get("permission_to_send") == "unsubscribed":
        return

    email["permission_to_send"] = "unsubscribed"
    email["opt_out_source"] = "Contact"
    email["opt_out_date"] = event["occurred_at"]
    email["updated_at"] = event["occurred_at"]

    if event["opt_out_reason"]:
        email["opt_out_reason"] = event["opt_out_reason"]

    contact["email_address"] = email
    contact["updated_at"] = event["occurred_at"]
    contact_records.save(store, contact)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


_DESK_LOCK = threading.Lock()
