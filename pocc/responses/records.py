"""One campaign response as a Dataverse `campaignresponse` row.

A response is one (campaign, record, kind): a contact who opened three times has one
"Opened" response, dated at the first open pocc saw. Its `activityid` is a uuid5 of
those three, so every run, a resumed run and two overlapping runs name the same row,
and a second write of it is refused rather than duplicated.

The customer is set through the activity's party list, which Dataverse takes only
inside the create (`campaignresponse_activity_parties`, participation type 11,
Customer); `regardingobjectid` is the D365 campaign.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from pocc.jobs.job_row import format_time
from pocc.responses.kinds import (
    BOUNCE_CODES,
    BOUNCED,
    CHANNEL_EMAIL,
    CLICKED,
    FORWARDED,
    HARD_BOUNCE_CODES,
    OPENED,
    OPTED_OUT,
    ResponseKind,
)
from pocc.responses.recipients import SentRecord
from pocc.responses.tracking import TrackingEvent

logger = logging.getLogger(__name__)

RESPONSES = "campaignresponses"
RESPONSE_NAMESPACE = uuid.UUID("6a1d2f0e-3b4c-4d5e-8f60-718293a4b5c6")
CUSTOMER_PARTY = 11
MAX_SUBJECT = 200
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class CampaignTarget:
    """The campaign the responses are about: in Constant Contact and in D365."""

    cc_campaign_id: str
    name: str
    d365_campaign_id: str


@dataclass(frozen=True)
class Response:
    kind: ResponseKind
    record: SentRecord
    event: TrackingEvent
    campaign: CampaignTarget

    @property
    def id(self) -> str:
        return response_id(self.campaign.cc_campaign_id, self.record, self.kind)

    @property
    def opts_out(self) -> bool:
        return self.kind is OPTED_OUT


def response_id(cc_campaign_id: str, record: SentRecord, kind: ResponseKind) -> str:
    name = f"{cc_campaign_id}|{record.table}|{record.id}|{kind.name}"
    return str(uuid.uuid5(RESPONSE_NAMESPACE, name))


def subject(response: Response) -> str:
    """What a user reads in the list of responses."""
    name = response.campaign.name
    event = response.event

    if response.kind is CLICKED:
        room = MAX_SUBJECT - len(f"Clicked  in {name}")
        url = _cut(event.link_url, max(room, 20))
        text = f"Clicked {url} in {name}"
    elif response.kind is OPENED:
        text = f"Opened {name}"
    elif response.kind is FORWARDED:
        text = f"Forwarded {name}"
    elif response.kind is OPTED_OUT:
        text = f"Opted out of {name}"
    else:
        text = f"Bounced ({_bounce_text(event.bounce_code)}): {name}"

    return _cut(text, MAX_SUBJECT)


def description(response: Response) -> str:
    """The details: when, which link or bounce, and what pocc did about an opt-out."""
    event = response.event
    when = format_time(event.occurred_at)
    lines = [f"Constant Contact reported this on {when} for {event.email_address}."]

    if response.kind is CLICKED:
        lines.append(f"Link: {event.link_url}")

    if response.kind is BOUNCED:
        hard = event.bounce_code in HARD_BOUNCE_CODES
        lines.append(
            f"Bounce code {_bounce_text(event.bounce_code)}; "
            + (
                "a hard bounce: the address will not receive mail again."
                if hard
                else "a soft bounce."
            )
        )

    if response.kind is OPTED_OUT:
        if event.opt_out_reason:
            lines.append(f"Reason given: {event.opt_out_reason}")

        lines.append(
            f"pocc set Do not allow Bulk Emails on this {response.record.table}."
        )

    return _cut("\n".join(lines), MAX_DESCRIPTION)


def category(response: Response) -> str | None:
    """Bounces carry their code here, so a view can filter hard bounces."""
    if response.kind is not BOUNCED:
        return None

    code = response.event.bounce_code or "?"
    hardness = "Hard" if code in HARD_BOUNCE_CODES else "Soft"
    return f"{hardness} bounce {code}"


def body(response: Response) -> dict[str, Any]:
    """The create body, customer party included."""
    event = response.event
    record = response.record
    customer = {
        f"partyid_{record.table}@odata.bind": f"/{record.entity_set}({record.id})",
        "participationtypemask": CUSTOMER_PARTY,
    }
    row: dict[str, Any] = {
        "activityid": response.id,
        "subject": subject(response),
        "description": description(response),
        "responsecode": int(response.kind.code),
        "channeltypecode": CHANNEL_EMAIL,
        "receivedon": format_time(event.occurred_at),
        "emailaddress": event.email_address[:100],
        "firstname": event.first_name[:50] or None,
        "lastname": event.last_name[:50] or None,
        "category": category(response),
        "regardingobjectid_campaign_campaignresponse@odata.bind": (
            f"/campaigns({response.campaign.d365_campaign_id})"
        ),
        "campaignresponse_activity_parties": [customer],
    }
    return {name: value for name, value in row.items() if value is not None}


def _bounce_text(code: str) -> str:
    return f"{code}: {BOUNCE_CODES.get(code, 'unknown code')}" if code else "no code"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
