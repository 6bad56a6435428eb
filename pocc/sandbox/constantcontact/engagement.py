"""What recipients do with a sent email: a seeded simulation over plain data.

`simulate_engagement` takes the recipients of one send, the links in the email and the
send time, and returns every tracking event that follows: bounces, opens, clicks,
forwards, opt-outs and abuse reports, spread over the next days. It touches no
storage, so the same seed and the same inputs always give the same events; the caller
(`sending.py`) stores them and reports read them back only once the sandbox clock has
reached each event's time.

Each recipient draws from its own stream, seeded by the run's key and the recipient's
address, so one recipient's fate does not change when others are added to or removed
from the list. The stream is a hash in counter mode rather than Python's `random`, so
the events depend on nothing but the inputs (not on the interpreter's generator).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

# Tracking activity types, as the reports name them.
SEND = "em_sends"
OPEN = "em_opens"
CLICK = "em_clicks"
BOUNCE = "em_bounces"
OPT_OUT = "em_optouts"
FORWARD = "em_forwards"
ABUSE = "em_abuse"

# Bounce codes of the bounces report, with the stats field each one counts under.
BOUNCE_STAT_FIELDS = {
    "B": "em_bounces_nonexistent_address",
    "D": "em_bounces_undeliverable",
    "F": "em_bounces_mailbox_full",
    "S": "em_bounces_suspended",
    "V": "em_bounces_vacation",
    "X": "em_bounces_other",
    "Z": "em_bounces_blocked",
}

# Non-existent and suspended addresses never receive mail again: later sends skip
# them ("no earlier hard bounce").
HARD_BOUNCE_CODES = frozenset({"B", "S"})

OPT_OUT_REASONS = (
    "The content is not what I expected",
    "I receive too many emails",
    "I never signed up for this mailing list",
    "The emails are no longer relevant to me",
    "",
)

MAX_DELAY = timedelta(days=7)


@dataclass(frozen=True)
class Recipient:
    contact_id: str
    email_address: str
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class Link:
    url_id: str
    url: str


@dataclass(frozen=True)
class EngagementEvent:
    kind: str
    contact_id: str
    occurred_at: datetime
    device_type: str | None = None
    url_id: str | None = None
    link_url: str | None = None
    bounce_code: str | None = None
    opt_out_reason: str | None = None


@dataclass(frozen=True)
class EngagementRates:
    """Shares of recipients, close to what a healthy small-business list shows.

    Bounces are a share of all recipients; opens of those delivered; clicks,
    forwards and opt-outs of those who opened.
    """

    bounce: float = 0.03
    open: float = 0.28
    click_given_open: float = 0.16
    forward_given_open: float = 0.015
    opt_out_given_open: float = 0.012
    abuse: float = 0.0008
    # Weights of further opens after the first: none, one, two, three more.
    repeat_open_weights: tuple[int, ...] = (55, 25, 12, 8)
    bounce_code_weights: dict[str, int] = field(
        default_factory=lambda: {
            "B": 34,
            "D": 10,
            "F": 12,
            "S": 4,
            "V": 14,
            "X": 8,
            "Z": 18,
        }
    )
    device_weights: dict[str, int] = field(
        default_factory=lambda: {"computer": 44, "mobile": 46, "tablet": 8, "other": 2}
    )


def simulate_engagement(
    recipients: Iterable[Recipient],
    links: Sequence[Link],
    sent_at: datetime,
    run_key: str,
    rates: EngagementRates | None = None,
) -> Iterator[EngagementEvent]:
    """Every engagement event of one send, recipient by recipient.

    `run_key` names the send (seed, activity and send number); with the same key,
    recipients, links and time, the events are identical.
    """
    rates = rates or EngagementRates()

    for recipient in recipients:
        draws = SeededDraws(f"{run_key}|{recipient.email_address.lower()}")
        yield from _recipient_events(draws, recipient, links, sent_at, rates)


class SeededDraws:
    """A deterministic stream of numbers in [0, 1) from a text seed (BLAKE2b)."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._counter = 0
        self._buffer: list[float] = []

    def uniform(self) -> float:
        if not self._buffer:
            self._refill()

        return self._buffer.pop()

    def chance(self, probability: float) -> bool:
        return self.uniform() < probability

    def weighted(self, weights: Mapping[T, int]) -> T:
        point = self.uniform() * sum(weights.values())

        for value, weight in weights.items():
            point -= weight
            if point < 0:
                return value

        return next(reversed(weights))

    def index(self, size: int) -> int:
        return min(int(self.uniform() * size), size - 1)

    def delay(self, mean: timedelta, at_most: timedelta = MAX_DELAY) -> timedelta:
        """An exponentially distributed wait: most soon, a long tail, capped."""
        seconds = -math.log(1.0 - self.uniform()) * mean.total_seconds()
        return min(timedelta(seconds=seconds), at_most)

    def _refill(self) -> None:
        block = self._counter.to_bytes(8, "big")
        digest = hashlib.blake2b(self._seed + block, digest_size=64).digest()
        self._counter += 1

        # Eight 64-bit words; 53 bits of each make one double in [0, 1).
        self._buffer = [
            (int.from_bytes(digest[i : i + 8], "big") >> 11) / float(1 << 53)
            for i in range(56, -8, -8)
        ]


def _recipient_events(
    draws: SeededDraws,
    recipient: Recipient,
    links: Sequence[Link],
    sent_at: datetime,
    rates: EngagementRates,
) -> Iterator[EngagementEvent]:
    contact_id = recipient.contact_id

    if draws.chance(rates.bounce):
        code = draws.weighted(rates.bounce_code_weights)
        bounced_at = sent_at + draws.delay(timedelta(minutes=20), timedelta(hours=6))
        yield EngagementEvent(BOUNCE, contact_id, bounced_at, bounce_code=code)
        return

    if draws.chance(rates.abuse):
        reported_at = sent_at + draws.delay(timedelta(hours=8))
        yield EngagementEvent(ABUSE, contact_id, reported_at)

    if not draws.chance(rates.open):
        return

    open_times = yield from _opens(draws, contact_id, sent_at, rates)

    if links and draws.chance(rates.click_given_open):
        yield from _clicks(draws, contact_id, links, open_times, rates)

    if draws.chance(rates.forward_given_open):
        opened_at = open_times[draws.index(len(open_times))]
        forwarded_at = opened_at + draws.delay(timedelta(minutes=30), timedelta(days=1))
        yield EngagementEvent(FORWARD, contact_id, forwarded_at)

    if draws.chance(rates.opt_out_given_open):
        reason = OPT_OUT_REASONS[draws.index(len(OPT_OUT_REASONS))]
        opted_out_at = open_times[0] + draws.delay(
            timedelta(minutes=3), timedelta(hours=1)
        )
        yield EngagementEvent(OPT_OUT, contact_id, opted_out_at, opt_out_reason=reason)


def _opens(
    draws: SeededDraws,
    contact_id: str,
    sent_at: datetime,
    rates: EngagementRates,
) -> Generator[EngagementEvent, None, list[datetime]]:
    """The first open within hours (mostly), then a few more on later days.

    Returns (as the generator's value) the open times, first first.
    """
    more_opens = draws.weighted(dict(enumerate(rates.repeat_open_weights)))
    opened_at = sent_at + draws.delay(timedelta(hours=7))
    open_times = []

    for _ in range(1 + more_opens):
        device = draws.weighted(rates.device_weights)
        open_times.append(opened_at)
        yield EngagementEvent(OPEN, contact_id, opened_at, device_type=device)

        opened_at += draws.delay(timedelta(days=1), timedelta(days=3))

    return open_times


def _clicks(
    draws: SeededDraws,
    contact_id: str,
    links: Sequence[Link],
    open_times: list[datetime],
    rates: EngagementRates,
) -> Iterator[EngagementEvent]:
    """One to three clicks, each a few minutes after one of the recipient's opens.

    Earlier links in the email draw more clicks, as they do in real reports.
    """
    link_weights = {link: len(links) - i for i, link in enumerate(links)}
    clicks = 1 + draws.index(3)

    for _ in range(clicks):
        link = draws.weighted(link_weights)
        opened_at = open_times[draws.index(len(open_times))]
        device = draws.weighted(rates.device_weights)
        clicked_at = opened_at + draws.delay(timedelta(minutes=4), timedelta(hours=1))
        yield EngagementEvent(
            CLICK,
            contact_id,
            clicked_at,
            device_type=device,
            url_id=link.url_id,
            link_url=link.url,
        )
