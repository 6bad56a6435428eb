"""The heartbeat thread: proof of life, counts and log on the job row every few seconds.

While a kind works (perhaps waiting minutes on a Constant Contact import), this thread
writes the heartbeat, the counts and the log, renews the writer lease, and reads the
cancel flag (every write reads the row first). A runner whose claim was taken over
stops beating; the job sees `cancelled()` and stops at its next step.
"""

from __future__ import annotations

import logging
import threading

from pocc.errors import PoccError
from pocc.jobs.claim import LostClaimError
from pocc.jobs.context import JobContext
from pocc.jobs.lease import WriterLease

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats for one job until `stop`."""

    def __init__(
        self,
        job: JobContext,
        interval_seconds: float,
        lease: WriterLease | None = None,
    ) -> None:
        self.job = job
        self.interval = interval_seconds
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{job.job_id[:8]}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.job.flush()
            except LostClaimError as error:
                logger.warning("%s", error)
                return
            except PoccError as error:
                # A missed beat is not fatal: the stale limit is several beats long.
                logger.warning("job %s: heartbeat failed: %s", self.job.job_id, error)
                continue

            if self.lease is not None and not self._renew_lease():
                return

    def _renew_lease(self) -> bool:
        try:
            renewed = self.lease.renew() if self.lease else True
        except PoccError as error:
            logger.warning("job %s: lease renewal failed: %s", self.job.job_id, error)
            return True

        if not renewed:
            # Without the lease another writer may start; stop this one at its next
            # step rather than let two write to Constant Contact at once.
            self.job.claimed.lost = True

        return renewed
