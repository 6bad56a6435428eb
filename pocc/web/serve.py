"""`python -m pocc serve`: the proxy under gunicorn, optionally with a job worker.

It runs the same app as `gunicorn app:app`, with the project's `gunicorn.conf.py`.
With `--worker` the process also runs a job worker (one gunicorn process, so there
is one worker), and the proxy nudges it directly: a job starts the moment the ribbon
posts it. Without it, separate `python -m pocc worker` processes find jobs by polling.
"""

from __future__ import annotations

import argparse
import logging
import os
import runpy
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from pocc.config import Settings, load_settings
from pocc.errors import ConfigurationError
from pocc.jobs.worker import Worker
from pocc.web import create_app

logger = logging.getLogger(__name__)

GUNICORN_CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


class ProxyApplication(BaseApplication):
    """gunicorn running pocc's app, configured from gunicorn.conf.py and options."""

    def __init__(
        self, settings: Settings, options: dict[str, Any], with_worker: bool
    ) -> None:
        self.settings = settings
        self.options = options
        self.with_worker = with_worker
        self.job_worker: Worker | None = None
        self.job_thread: threading.Thread | None = None
        super().__init__()

    def load_config(self) -> None:
        if GUNICORN_CONFIG.exists():
            declared = runpy.run_path(str(GUNICORN_CONFIG))

            for name, value in declared.items():
                if name in self.cfg.settings and value is not None:
                    self.cfg.set(name, value)

        for name, value in self.options.items():
            self.cfg.set(name, value)

        if self.with_worker:
            self.cfg.set("workers", 1)
            self.cfg.set("worker_exit", self._stop_job_worker)

    def load(self) -> Flask:
        if not self.with_worker:
            return create_app(self.settings)

        # Runs in gunicorn's worker process, after the fork: the job worker's
        # threads belong to the process that serves the nudges.
        self.job_worker = Worker(self.settings)
        self.job_thread = threading.Thread(
            target=self.job_worker.run_forever, name="job-worker", daemon=True
        )
        self.job_thread.start()
        return create_app(self.settings, nudge=self.job_worker.nudge)

    def _stop_job_worker(self, server: Any, worker: Any) -> None:
        if self.job_worker is None or self.job_thread is None:
            return

        self.job_worker.request_stop()
        self.job_thread.join()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bind",
        default=None,
        help="address to listen on, host:port (default: gunicorn.conf.py's)",
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="also run a job worker in this process, nudged directly by the proxy",
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigurationError as error:
        logger.error("%s", error)
        return 2

    options = {"bind": args.bind} if args.bind else {}
    ProxyApplication(settings, options, args.worker).run()
    return 0
