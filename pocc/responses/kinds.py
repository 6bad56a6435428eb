"""The kinds of campaign response and how Dynamics 365 codes each one.

`campaignresponse.responsecode` is 1 Interested, 2 Not Interested, 3 Do Not Send
Marketing Materials, 4 Error; `channeltypecode` 1 is Email (reference notes, 5.4).
An open, a click or a forward shows interest; an opt-out asks for no more marketing;
a bounce is an error. Each kind reads one tracking report.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CHANNEL_EMAIL = 1


class ResponseCode(enum.IntEnum):
    INTERESTED = 1
    NOT_INTERESTED = 2
    DO_NOT_SEND_MARKETING = 3
    ERROR = 4


@dataclass(frozen=True)
class ResponseKind:
    name: str
    report: str
    code: ResponseCode


OPENED = ResponseKind("opened", "opens", ResponseCode.INTERESTED)
CLICKED = ResponseKind("clicked", "clicks", ResponseCode.INTERESTED)
FORWARDED = ResponseKind("forwarded", "forwards", ResponseCode.INTERESTED)
OPTED_OUT = ResponseKind("opted out", "optouts", ResponseCode.DO_NOT_SEND_MARKETING)
BOUNCED = ResponseKind("bounced", "bounces", ResponseCode.ERROR)

KINDS = (OPENED, CLICKED, FORWARDED, OPTED_OUT, BOUNCED)
BY_REPORT = {kind.report: kind for kind in KINDS}

# Constant Contact's bounce codes (tracking report `bounce_code`).
BOUNCE_CODES = {
    "B": "non-existent address",
    "D": "undeliverable",
    "F": "mailbox full",
    "S": "suspended address",
    "V": "vacation or auto-reply",
    "X": "other",
    "Z": "blocked",
}
# A non-existent or suspended address never receives mail again.
HARD_BOUNCE_CODES = frozenset({"B", "S"})
