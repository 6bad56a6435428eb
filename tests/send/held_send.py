"""The Send job as the crash and cancel tests run it: smaller chunks, held at a point.

`Send.reached(job, point)` marks the step boundaries a crash is most likely to hurt
("read", "import started", "import recorded", "before scheduling", "scheduled").

- In a worker process (`worker_main`), `HeldSend` takes its chunk size from
  `POCC_TEST_SEND_CHUNK_SIZE`, and at the n-th time it reaches the point named by
  `POCC_TEST_SEND_HOLD_AT` (`"import started#2"`) writes `<job id> <point>#<n>` to
  the file `POCC_TEST_SEND_MARKS` and stops there for good, its heartbeat still
  beating, until the test kills the process.
- In the test's own process, `send_kind(chunk_size, on_reached)` gives a Send whose
  `reached` calls the test back (to cancel, or to hold the job while another runs).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from pocc.jobs.job_row import JobKindValue
from pocc.jobs.kinds import JobContext, JobKind, load_kinds
from pocc.jobs.kinds.send import Send

CHUNK_VARIABLE = "POCC_TEST_SEND_CHUNK_SIZE"
HOLD_VARIABLE = "POCC_TEST_SEND_HOLD_AT"
MARKS_VARIABLE = "POCC_TEST_SEND_MARKS"

SEND = int(JobKindValue.SEND)


class HeldSend(Send):
    """Send with the environment's chunk size, held for good at the named point."""

    chunk_size = int(os.environ.get(CHUNK_VARIABLE) or Send.chunk_size)
    # How often each point was reached in this process.
    reached_counts: ClassVar[Counter[str]] = Counter()

    def reached(self, job: JobContext, point: str) -> None:
        super().reached(job, point)
        self.reached_counts[point] += 1
        here = f"{point}#{self.reached_counts[point]}"

        if here != os.environ.get(HOLD_VARIABLE):
            return

        Path(os.environ[MARKS_VARIABLE]).write_text(f"{job.job_id} {here}\n")
        # Held here until the test kills this process.
        threading.Event().wait()


def send_kind(
    chunk_size: int, on_reached: Callable[[JobContext, str], None]
) -> type[Send]:
    """A Send importing `chunk_size` contacts at a time that reports every point."""

    class CalledBackSend(Send):
        def reached(self, job: JobContext, point: str) -> None:
            super().reached(job, point)
            on_reached(job, point)

    CalledBackSend.chunk_size = chunk_size
    return CalledBackSend


def kinds_with(send: type[Send]) -> dict[int, type[JobKind]]:
    """Every built-in kind, with `send` running the Send jobs."""
    return {**load_kinds(), SEND: send}
