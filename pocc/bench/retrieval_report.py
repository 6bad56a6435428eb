"""The printout of the responses benchmark, beside the smallest possible calls."""

from __future__ import annotations

import logging
import math

from pocc.bench.calls import BOOKKEEPING_KIND, work_total
from pocc.bench.report import CALLS_TARGET, MEMORY_TARGET_MB
from pocc.bench.retrieval_naive import NaiveRetrieval
from pocc.bench.retrieval_run import RetrievalMeasurement
from pocc.demo.console import say, table

logger = logging.getLogger(__name__)

REPORT_PAGE = 500
DATAVERSE_PAGE = 5_000
BATCH_OPERATIONS = 1_000
# Read the recent campaigns and move the campaign's watermark. (Storing the retrieval
# time on the configuration row is counted with the job, lease and token rows.)
DATAVERSE_FIXED = 2


def smallest_retrieval_calls(
    recipients: int, report_rows: dict[str, int], responses: int, opt_outs: int
) -> dict[str, int]:
    """The fewest requests the limits allow: every report read to its end (an empty
    one still answers once), the send's recipients read once, each response and
    opt-out flag one operation of a 1,000-operation `$batch`."""
    pages = sum(max(1, math.ceil(rows / REPORT_PAGE)) for rows in report_rows.values())
    recipient_pages = math.ceil(recipients / DATAVERSE_PAGE)
    batches = math.ceil((responses + opt_outs) / BATCH_OPERATIONS)
    return {
        "constant contact: report page": pages,
        "constant contact": pages,
        "dataverse: recipient page": recipient_pages,
        "dataverse: batch": batches,
        "dataverse: other": DATAVERSE_FIXED,
        "dataverse": recipient_pages + batches + DATAVERSE_FIXED,
    }


def show_retrieval(measurement: RetrievalMeasurement) -> None:
    rows_read = sum(measurement.report_rows.values())
    say()
    say(
        f"Retrieve responses of a {measurement.recipients:,}-recipient campaign after "
        f"a week: {measurement.status}, {rows_read:,} report rows, "
        f"{measurement.responses:,} responses ({measurement.opt_outs:,} opt-outs)"
    )
    say(f"wall time {measurement.wall_seconds:.1f} s (worker start to job end)", 1)
    say(f"pocc's CPU time {measurement.cpu_seconds:.1f} s", 1)
    verdict = "within" if measurement.peak_memory_mb < MEMORY_TARGET_MB else "OVER"
    say(
        f"pocc's peak memory {measurement.peak_memory_mb:.0f} MB "
        f"(target under {MEMORY_TARGET_MB} MB: {verdict})",
        1,
    )
    smallest = smallest_retrieval_calls(
        measurement.recipients,
        measurement.report_rows,
        measurement.responses,
        measurement.opt_outs,
    )
    counts = measurement.requests
    rows = []

    for name, minimum in smallest.items():
        made = counts.get(name, 0) if ":" in name else work_total(counts, name)
        ratio = made / minimum if minimum else 0.0
        label = name if ":" in name else f"{name}: the job's work, in all"
        verdict = "ok" if ratio <= CALLS_TARGET else "over"
        rows.append([label, f"{made:,}", f"{minimum:,}", f"{ratio:.2f}x", verdict])

    bookkeeping = f"dataverse: {BOOKKEEPING_KIND}"
    rows.append([bookkeeping, f"{counts.get(bookkeeping, 0):,}", "", "", ""])
    table(["Requests", "Made", "Smallest", "Ratio", f"Target <= {CALLS_TARGET}x"], rows)


def show_naive(naive: NaiveRetrieval, measurement: RetrievalMeasurement) -> None:
    batches = measurement.requests.get("dataverse: batch", 0)
    say()
    say(
        "Writing each response with its own request instead (measured on "
        f"{naive.sample:,}, scaled; reading the reports left out, a lower bound)"
    )
    table(
        ["", "Dataverse write requests", "Wall time"],
        [
            ["one request each", f"{naive.calls:,}", f"{naive.seconds:.0f} s"],
            ["pocc", f"{batches:,}", f"{measurement.wall_seconds:.0f} s"],
            [
                "one each / pocc",
                f"{naive.calls / max(batches, 1):.0f}x",
                f"{naive.seconds / max(measurement.wall_seconds, 0.001):.1f}x",
            ],
        ],
    )
