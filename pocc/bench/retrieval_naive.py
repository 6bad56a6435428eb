"""The naive way to store responses, for comparison: one Dataverse request each.

Each response is created with its own `POST campaignresponses` (and each opt-out's
flag with its own `PATCH`), regarding a campaign of its own so nothing collides with
what the job wrote. Timed on a sample with the same latency on and scaled to the
job's responses, as the naive send is.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pocc.bench.setup import contact_id
from pocc.dataverse import DataverseClient
from pocc.responses.kinds import OPENED
from pocc.responses.recipients import SentRecord
from pocc.responses.records import RESPONSES, CampaignTarget, Response, body
from pocc.responses.tracking import TrackingEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NaiveRetrieval:
    sample: int
    calls: int
    seconds: float


def measure_naive(
    admin: DataverseClient, responses: int, opt_outs: int, sample: int
) -> NaiveRetrieval:
    """Writes `sample` responses one request each; calls and seconds scaled."""
    campaign_id = admin.create("campaigns", {"name": f"Naive {uuid.uuid4().hex[:6]}"})
    target = CampaignTarget(f"naive-{campaign_id}", "Naive responses", campaign_id)
    now = datetime.now(UTC)
    started = time.monotonic()

    for number in range(sample):
        record = SentRecord("contact", contact_id(number), f"Bench Contact {number}")
        event = TrackingEvent("opens", str(number), f"bench.{number}@example.com", now)
        admin.create(RESPONSES, body(Response(OPENED, record, event, target)))

    per_request = (time.monotonic() - started) / max(sample, 1)
    calls = responses + opt_outs
    return NaiveRetrieval(sample, calls, per_request * calls)
