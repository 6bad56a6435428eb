"""One daemon thread that runs the sandbox's periodic work.

Bulk activities advance here, and other modules (campaign sending) register their own
tasks. Each task is called with no arguments every `interval` seconds; a task that
raises is logged and called again next time, so one bad record cannot stop the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class BackgroundLoop:
    def __init__(self, interval: float = 0.05) -> None:
        self._interval = interval
        self._tasks: dict[str, Callable[[], None]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, name: str, task: Callable[[], None]) -> None:
        self._tasks[name] = task

    def start(self) -> None:
        if self._thread is not None:
            return

        self._thread = threading.Thread(
            target=self._run, name="constantcontact-background", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

        if self._thread is not None:
            self._thread.join(timeout=5)

    def run_once(self) -> None:
        """Call every task once (also used by tests and admin endpoints)."""
        for name, task in list(self._tasks.items()):
            try:
                task()
            except Exception:
                logger.exception("background task %s failed", name)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.run_once()
