"""`python -m pocc bench` (`make bench`): Sends of 2,000, 10,000 and 100,000 measured,
then Retrieve responses for the largest of them after a week of engagement.

Runs on its own sandbox in `--data` (fresh each run), with tens of milliseconds of
latency on every Dataverse and Constant Contact request and Constant Contact's real
limit of 4 requests a second. `--quick` leaves out the 100,000 send (the responses
are then those of the 10,000).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from pocc.bench import (
    naive,
    report,
    retrieval_naive,
    retrieval_report,
    retrieval_run,
    send_run,
    setup,
)
from pocc.dataverse import DataverseClient
from pocc.demo.console import log_to_file, say
from pocc.demo.stack import ORGANIZATION, DemoStack
from pocc.sandbox.seed import AdminWebApi

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".pocc/bench")
COMPARED_SIZE = 2_000
SIZES = (COMPARED_SIZE, 10_000, 100_000)
QUICK_SIZES = (COMPARED_SIZE, 10_000)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="leave out the 100,000-recipient send"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"the benchmark's sandbox and logs (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=200,
        help="contacts the naive approach is timed on, then scaled (default: 200)",
    )
    parser.add_argument(
        "--naive-responses",
        type=int,
        default=100,
        help="responses written one request each, timed and scaled (default: 100)",
    )


def run(args: argparse.Namespace) -> int:
    sizes = QUICK_SIZES if args.quick else SIZES
    stack = DemoStack(args.data, sandbox_log_level="DEBUG")
    stack.reset()
    log_to_file(stack.logs / "bench.log")
    say("Starting the sandbox (its request log counts every call)")

    try:
        stack.start_sandbox()
        sources = _seed(stack, sizes)
        admin = DataverseClient.from_settings(stack.settings("admin"), ORGANIZATION)

        try:
            setup.connect(stack, admin)
            targets = [
                setup.draft_for(stack.settings(), admin, size, sources[size])
                for size in sizes
            ]
            setup.switch_latency_on(stack)
            say(
                f"Latency on: {setup.LATENCY_SECONDS * 1000:.0f} ms a request; "
                "Constant Contact: 4 requests a second"
            )
            _measure(stack, admin, targets, args.naive_sample)
            _measure_retrieval(stack, admin, targets, args.naive_responses)
        finally:
            admin.close()
    finally:
        stack.stop()

    say(f"Logs are in {stack.logs}")
    return 0


def _seed(stack: DemoStack, sizes: tuple[int, ...]) -> dict[int, str]:
    started = time.monotonic()
    api = AdminWebApi(stack.config, ORGANIZATION)

    try:
        setup.seed_contacts(api, max(sizes))
        sources = {size: setup.seed_list(api, size) for size in sizes}
    finally:
        api.close()

    say(
        f"Seeded {max(sizes):,} contacts and {len(sizes)} lists in "
        f"{time.monotonic() - started:.1f} s ({api.calls} Web API calls)"
    )
    return sources


def _measure(
    stack: DemoStack,
    admin: DataverseClient,
    targets: list[setup.SendTarget],
    naive_sample: int,
) -> None:
    compared = None

    for target in targets:
        say(f"Sending to {target.size:,} recipients...")
        measurement = send_run.measure_send(
            stack, admin, target.campaign_row_id, target.size
        )
        report.show_send(measurement)

        if target.size == COMPARED_SIZE:
            compared = measurement

    if compared is not None:
        sample = max(1, min(naive_sample, COMPARED_SIZE))
        report.show_naive(naive.measure_naive(stack, COMPARED_SIZE, sample), compared)


def _measure_retrieval(
    stack: DemoStack,
    admin: DataverseClient,
    targets: list[setup.SendTarget],
    naive_sample: int,
) -> None:
    largest = targets[-1]
    others = [target.campaign_row_id for target in targets[:-1]]
    say()
    say(f"A week later: Retrieve responses of the {largest.size:,} send...")
    measurement = retrieval_run.measure_retrieval(
        stack, admin, largest.campaign_row_id, largest.size, others
    )
    retrieval_report.show_retrieval(measurement)
    naive_run = retrieval_naive.measure_naive(
        admin, measurement.responses, measurement.opt_outs, max(1, naive_sample)
    )
    retrieval_report.show_naive(naive_run, measurement)
