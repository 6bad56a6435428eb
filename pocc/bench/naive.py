"""The naive way to send, for comparison: one Constant Contact call per contact.

A list, then `POST /contacts` for each recipient with the list in its memberships.
Constant Contact allows 4 requests a second, so this is bound by the rate limit; it
is timed on a sample of the recipients and scaled to the whole, which is exact for a
rate-bound loop and keeps the benchmark to minutes.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from pocc.bench.calls import log_offset, requests_between, service_total
from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.demo.stack import ORGANIZATION, DemoStack

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NaiveMeasurement:
    recipients: int
    sample: int
    calls: int
    seconds: float


def measure_naive(stack: DemoStack, recipients: int, sample: int) -> NaiveMeasurement:
    """Sends `sample` contacts one call each; calls and seconds scaled to all."""
    settings = stack.settings()
    dataverse = DataverseClient.from_settings(settings, ORGANIZATION)
    sandbox_log = stack.sandbox.log_file

    try:
        client = ConstantContactClient.for_organization(
            settings, ORGANIZATION, dataverse
        )
        # The token is fetched before timing starts, as a running worker holds one.
        client.account_summary()
        start_offset = log_offset(sandbox_log)
        started = time.monotonic()
        run = uuid.uuid4().hex[:6]
        contact_list = client.create_contact_list({"name": f"Naive send {run}"})

        for number in range(sample):
            client.create_contact(
                {
                    "email_address": {"address": f"naive.{run}.{number}@example.com"},
                    "first_name": "Naive",
                    "last_name": f"Contact {number}",
                    "list_memberships": [contact_list["list_id"]],
                }
            )

        seconds = time.monotonic() - started
        client.close()
    finally:
        dataverse.close()

    counted = requests_between(sandbox_log, start_offset, log_offset(sandbox_log))
    calls = service_total(counted, "constant contact")
    per_contact = (calls - 1) / sample
    return NaiveMeasurement(
        recipients=recipients,
        sample=sample,
        calls=round(1 + per_contact * recipients),
        seconds=seconds * recipients / sample,
    )
