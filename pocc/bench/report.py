"""The benchmark's printout: each figure beside the smallest possible or its target."""

from __future__ import annotations

import logging
import math

from pocc.bench.calls import BOOKKEEPING_KIND, service_total, work_total
from pocc.bench.naive import NaiveMeasurement
from pocc.bench.send_run import SendMeasurement
from pocc.demo.console import say, table

logger = logging.getLogger(__name__)

DATAVERSE_PAGE = 5_000
BATCH_OPERATIONS = 1_000
IMPORT_CONTACTS = 40_000
# The send's Dataverse calls whatever its size: read the campaign, its lists and the
# custom field map; read and write the send history; update the campaign.
DATAVERSE_FIXED = 6
# Constant Contact's: read the activity (is it schedulable?), create the send's list,
# read the activity whole and PUT it back with the list (PUT replaces it), schedule
# it, and read the send history to record it.
CONSTANT_CONTACT_FIXED = 6
CALLS_TARGET = 1.2
MEMORY_TARGET_MB = 250


def smallest_calls(size: int) -> dict[str, int]:
    """The fewest requests the services' limits allow for a send to `size`."""
    pages = math.ceil(size / DATAVERSE_PAGE)
    batches = math.ceil(size / BATCH_OPERATIONS)
    imports = math.ceil(size / IMPORT_CONTACTS)
    return {
        "dataverse: member page": pages,
        # One pocc_sendrecipient row per recipient, 1,000 to a $batch.
        "dataverse: batch": batches,
        "dataverse: other": DATAVERSE_FIXED,
        "dataverse": DATAVERSE_FIXED + pages + batches,
        "constant contact: import": imports,
        # At least one look at each import to learn that it finished.
        "constant contact: import status": imports,
        "constant contact: other": CONSTANT_CONTACT_FIXED,
        "constant contact": CONSTANT_CONTACT_FIXED + 2 * imports,
    }


def show_send(measurement: SendMeasurement) -> None:
    size = measurement.size
    say()
    say(f"Send to {size:,} recipients: {measurement.status}, {measurement.sent:,} sent")
    say(f"wall time {measurement.wall_seconds:.1f} s (worker start to job end)", 1)
    say(
        f"Constant Contact processing the imports: {measurement.import_seconds:.1f} s",
        1,
    )
    cpu_share = measurement.cpu_seconds / max(measurement.wall_seconds, 0.001)
    say(
        f"pocc's CPU time {measurement.cpu_seconds:.1f} s "
        f"({cpu_share:.0%} of the wall time; the rest is waiting on the services)",
        1,
    )
    memory_verdict = (
        "within" if measurement.peak_memory_mb < MEMORY_TARGET_MB else "OVER"
    )
    say(
        f"pocc's peak memory {measurement.peak_memory_mb:.0f} MB "
        f"(target under {MEMORY_TARGET_MB} MB: {memory_verdict})",
        1,
    )
    _show_calls(measurement)


def _show_calls(measurement: SendMeasurement) -> None:
    smallest = smallest_calls(measurement.size)
    counts = measurement.requests
    rows = []

    for name, minimum in smallest.items():
        made = counts.get(name, 0) if ":" in name else work_total(counts, name)
        ratio = made / minimum if minimum else 0.0
        verdict = "ok" if ratio <= CALLS_TARGET else "over"
        label = name if ":" in name else f"{name}: the send's work, in all"
        rows.append([label, f"{made:,}", f"{minimum:,}", f"{ratio:.2f}x", verdict])

    # Not part of the send's data: the runner's claim, heartbeats and leases, and
    # the tokens each process fetches once.
    for name in (
        f"dataverse: {BOOKKEEPING_KIND}",
        "dataverse: tenant discovery",
        "identity: token",
        "constant contact: token",
    ):
        rows.append([name, f"{counts.get(name, 0):,}", "", "", ""])

    table(["Requests", "Made", "Smallest", "Ratio", f"Target <= {CALLS_TARGET}x"], rows)


def show_naive(naive: NaiveMeasurement, pocc: SendMeasurement) -> None:
    pocc_calls = service_total(pocc.requests, "constant contact")
    say()
    say(
        f"Naive send of {naive.recipients:,} contacts, one call each (measured on "
        f"{naive.sample:,}, scaled)"
    )
    table(
        ["", "Constant Contact calls", "Wall time"],
        [
            ["naive", f"{naive.calls:,}", f"{naive.seconds:.0f} s"],
            ["pocc", f"{pocc_calls:,}", f"{pocc.wall_seconds:.0f} s"],
            [
                "naive / pocc",
                f"{naive.calls / max(pocc_calls, 1):.0f}x",
                f"{naive.seconds / max(pocc.wall_seconds, 0.001):.1f}x",
            ],
        ],
    )
