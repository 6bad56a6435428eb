"""`python -m pocc worker`: runs jobs for every configured organisation.

A small thread pool runs jobs; one loop finds them. The loop looks at each
organisation's queue every `POCC_POLL_SECONDS`, and sooner when the proxy nudges it
(in the same process when `python -m pocc serve --worker` runs both). A lost nudge
only delays a job until the next poll. Before each poll the daily scheduler
(`pocc.schedule.scheduler.DailyScheduler.run_due`) queues any organisation's daily
Retrieve responses and Refresh statistics jobs that are due.

SIGTERM (or Ctrl-C) asks running jobs to stop at their next step; each saves its
checkpoint and goes back to the queue, so a restarted worker, or another one,
resumes it at once. A worker killed outright leaves its jobs Running; their heartbeat
goes stale and another runner reclaims them after `POCC_STALE_SECONDS`.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from types import FrameType

from pocc.config import Settings, load_settings
from pocc.errors import ConfigurationError, PoccError
from pocc.jobs.kinds import JobKind
from pocc.jobs.runner import Runner, Timing
from pocc.jobs.services import ConstantContactFactory, OrganizationServices
from pocc.schedule.scheduler import DailyScheduler

logger = logging.getLogger(__name__)

# A stale limit shorter than a few heartbeats would let a slow beat look like a crash.
HEARTBEATS_PER_STALE_LIMIT = 3


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:120]


def timing_from(settings: Settings) -> Timing:
    if settings.stale_seconds < HEARTBEATS_PER_STALE_LIMIT * settings.heartbeat_seconds:
        raise ConfigurationError(
            [
                f"POCC_STALE_SECONDS ({settings.stale_seconds:g}) must be at least "
                f"{HEARTBEATS_PER_STALE_LIMIT} heartbeats (POCC_HEARTBEAT_SECONDS = "
                f"{settings.heartbeat_seconds:g})"
            ]
        )

    return Timing(settings.heartbeat_seconds, settings.stale_seconds)


class Worker:
    """A pool of runners over every configured organisation."""

    def __init__(
        self,
        settings: Settings,
        *,
        kinds: dict[int, type[JobKind]] | None = None,
        constant_contact_factory: ConstantContactFactory | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self.stopping = threading.Event()
        self.threads = settings.worker_threads
        # Completed looks at the queues (for an operator's status and for tests).
        self.polls = 0
        self._wake = threading.Event()
        self._nudges: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="job")
        timing = timing_from(settings)
        self.runners: dict[str, Runner] = {}

        for name in settings.organizations:
            services = OrganizationServices(
                settings, name, constant_contact_factory=constant_contact_factory
            )
            self.runners[name] = Runner(
                services,
                self.worker_id,
                kinds=kinds,
                timing=timing,
                stopping=self.stopping,
            )

        # Queues each organisation's daily jobs (pocc/schedule/scheduler.py).
        self.scheduler = DailyScheduler(
            {name: runner.services.dataverse for name, runner in self.runners.items()}
        )

    # The proxy's side

    def nudge(self, organization: str, job_id: str) -> None:
        """Asks for `job_id` to be looked at now (harmless if it is not runnable)."""
        self._nudges.put((organization, job_id))
        self._wake.set()

    # The loop

    def run_forever(self) -> None:
        logger.info(
            "worker %s: %s threads, organisations %s",
            self.worker_id,
            self.threads,
            ", ".join(self.runners),
        )
        next_poll = 0.0

        while not self.stopping.is_set():
            self._take_nudges()

            if time.monotonic() >= next_poll:
                self.scheduler.run_due()
                self.poll_once()
                self.polls += 1
                next_poll = time.monotonic() + self.settings.poll_seconds

            self._wake.wait(max(next_poll - time.monotonic(), 0.0))
            self._wake.clear()

        self._shut_down()

    def poll_once(self) -> None:
        """Starts every runnable job there is a free thread for."""
        for name, runner in self.runners.items():
            if self.stopping.is_set():
                return

            try:
                rows = runner.runnable()
            except PoccError as error:
                logger.warning("could not read %s's queue: %s", name, error)
                continue

            for row in rows:
                if not self._free_thread():
                    return

                self._start(name, row.id)

    def request_stop(self) -> None:
        """Stops the loop; running jobs checkpoint and go back to the queue."""
        logger.info("worker %s stopping: jobs stop at their next step", self.worker_id)
        self.stopping.set()
        self._wake.set()

    def _shut_down(self) -> None:
        self._pool.shutdown(wait=True)

        for runner in self.runners.values():
            runner.services.close()

        logger.info("worker %s stopped", self.worker_id)

    def _take_nudges(self) -> None:
        while True:
            try:
                organization, job_id = self._nudges.get_nowait()
            except queue.Empty:
                return

            if organization in self.runners and self._free_thread():
                self._start(organization, job_id)

    def _free_thread(self) -> bool:
        with self._busy_lock:
            return len(self._busy) < self.threads

    def _start(self, organization: str, job_id: str) -> None:
        with self._busy_lock:
            if job_id in self._busy or self.stopping.is_set():
                return

            self._busy.add(job_id)

        future = self._pool.submit(self.runners[organization].run_job, job_id)
        future.add_done_callback(self._finished(job_id))

    def _finished(self, job_id: str) -> Callable[[Future], None]:
        def done(future: Future) -> None:
            with self._busy_lock:
                self._busy.discard(job_id)

            error = future.exception()

            if error is not None:
                logger.error("job %s: the runner failed: %s", job_id, error)
            elif future.result() is not None:
                # A job ended: a writer job waiting for the lease may start now.
                self._wake.set()

        return done


# The command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="jobs run at once (default: POCC_WORKER_THREADS)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2

    if args.threads:
        settings = _with_threads(settings, args.threads)

    return run_worker(settings)


def run_worker(
    settings: Settings, kinds: dict[int, type[JobKind]] | None = None
) -> int:
    """Runs a worker in this process until SIGTERM or Ctrl-C; the exit code."""
    try:
        worker = Worker(settings, kinds=kinds)
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        worker.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run_forever()
    return 0


def _with_threads(settings: Settings, threads: int) -> Settings:
    return replace(settings, worker_threads=max(1, min(threads, 32)))
