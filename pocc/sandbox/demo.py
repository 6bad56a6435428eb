"""`make demo`: the main job end to end on a realistic organisation, in the sandbox.

It starts the sandbox, pocc's proxy and a worker as child processes, then, printing
what it does as a user would see it: (1) seeds the organisation, (2) saves the
configuration and authenticates, (3) synchronizes the campaigns, (4) maps two
columns to Constant Contact custom fields, (5) sends a draft to the D365 campaign's
marketing lists, (6) syncs a marketing list, (7) finds the shared email addresses,
(8) a week later refreshes the statistics, (9) retrieves the week's responses,
(10) prints the billing figure and (11) checks what D365 shows against the Constant
Contact account. The steps live in `pocc.demo`. Everything stops cleanly at the
end; the state stays in `--data`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path

from pocc.demo.console import log_to_file, say, step
from pocc.demo.main_job import MainJob
from pocc.demo.seeding import seed
from pocc.demo.stack import DemoStack

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".pocc/demo")
LOCK_FILE = "demo.pid"


class DemoAlreadyRunningError(RuntimeError):
    """Another demo serves from the same folder; two would overwrite each other."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep the sandbox, proxy and worker running after the demo (Ctrl-C stops)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where the demo keeps its state (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="the proxy's port (default: 8000 when free, else any free port)",
    )


def run(args: argparse.Namespace) -> int:
    data_dir: Path = args.data.resolve()
    _take_lock(data_dir)

    try:
        return _run(args, data_dir)
    finally:
        (data_dir / LOCK_FILE).unlink(missing_ok=True)


def _run(args: argparse.Namespace, data_dir: Path) -> int:
    stack = DemoStack(data_dir, proxy_port=args.port or None)
    stack.reset()
    log_to_file(stack.logs / "demo.log")
    say("Starting the sandbox (Microsoft identity, Dataverse, Constant Contact)")

    try:
        stack.start_sandbox()
        say(f"  sandbox at {stack.sandbox.base_url}")
        say(f"Starting pocc's proxy at {stack.public_url} and a pocc worker")
        stack.start_pocc()

        agreed = _main_job(stack)

        if args.serve:
            _serve_until_interrupted(stack)
    finally:
        problems = stack.stop()

    say()
    say("Stopped the worker, the proxy and the sandbox" + _unclean(problems))
    say(f"State and logs are in {data_dir} (logs/: demo, sandbox, proxy, worker)")
    return 0 if agreed and not problems else 1


def _main_job(stack: DemoStack) -> bool:
    step(1, "Seeding a realistic organisation")
    seeded = seed(stack.config)
    main_job = MainJob.open(stack, seeded)

    try:
        main_job.add_staff()

        step(2, "An administrator saves the setup page and clicks Authenticate")
        main_job.connect()

        step(3, "A CRM user clicks Synchronize")
        rows = main_job.synchronize()

        step(4, "An administrator maps two columns to Constant Contact custom fields")
        main_job.map_custom_fields()

        step(5, "A marketer links a draft to the D365 campaign and clicks Send")
        draft = main_job.send(rows)

        step(6, "A marketer clicks Sync marketing list on a marketing list")
        main_job.sync_marketing_list()

        step(7, "A CRM user clicks Find duplicates")
        main_job.find_duplicates()

        step(8, "A week later: Refresh statistics")
        shown = main_job.refresh_statistics(draft)

        step(9, "The daily Retrieve responses job, the morning after that week")
        main_job.retrieve_responses(draft)

        step(10, "The billing figure: enabled CRM users")
        main_job.billing_figure()

        step(11, "Checking what D365 shows against the Constant Contact account")
        return main_job.cross_check(shown)
    finally:
        main_job.close()


def _serve_until_interrupted(stack: DemoStack) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = stack.config

    say()
    say("Serving. Press Ctrl-C to stop.")
    say(f"  pocc proxy:            {stack.public_url} (try {stack.public_url}/readyz)")
    say(f"  D365 (click it here):  {config['d365']['contoso']}")
    say(f"  Dataverse (contoso):   {config['orgs']['contoso']['url']}/api/data/v9.2/")
    say(f"  Constant Contact API:  {config['constantcontact']['api_url']}")
    say(f"  sandbox admin:         {config['admin_url']}")
    say(f"  credentials:           {stack.sandbox.ready_file}")

    try:
        stop.wait()
    except KeyboardInterrupt:
        logger.debug("interrupted by the user")


def _take_lock(data_dir: Path) -> None:
    """Refuses to start while another demo (a live process) uses the folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = data_dir / LOCK_FILE

    if lock.exists():
        text = lock.read_text().strip()

        if text.isdigit() and _alive(int(text)):
            raise DemoAlreadyRunningError(
                f"another demo (pid {text}) is using {data_dir}; stop it first "
                "(Ctrl-C in its terminal) or give this one another --data folder"
            )

    lock.write_text(str(os.getpid()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True

    return True


def _unclean(problems: list[str]) -> str:
    if not problems:
        return " cleanly."

    return f"; had to kill: {', '.join(problems)}."
