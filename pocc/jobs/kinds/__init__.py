"""Job kinds: what each value of `pocc_job.pocc_kind` does, and how to write one.

A kind is a class registered under its choice value:

    from pocc.jobs.job_row import JobKindValue
    from pocc.jobs.kinds import JobKind, Outcome, register

    @register(JobKindValue.SEND)
    class Send(JobKind):
        writes_to_constant_contact = True      # run under the org's writer lease

        def run(self, job: JobContext) -> Outcome:
            state = job.checkpoint                  # {} on a first run
            if not state.get("imported"):
                job.progress.set_total(...)
                ...                                 # count: job.progress.sent()/skip()
                job.save_checkpoint({**state, "imported": True})
            job.stop_if_cancelled()                 # between steps
            ...
            job.log("Scheduled for 2025-05-01 09:00 UTC")
            return Outcome.succeeded("Sent to 4,800 contacts, 200 skipped")

What the runner does around `run`:

- It claims the job (ETag-guarded), takes the writer lease first when
  `writes_to_constant_contact` is set (others wait as Queued with a note), and fails
  the job at once, before `run`, when `needs_constant_contact` is set and the
  organisation is not authenticated.
- A heartbeat thread writes the counts, the log and a heartbeat every few seconds;
  `save_checkpoint(state)` writes at once. Save after every step that must not be
  repeated; a reclaimed job calls `run` again with `job.checkpoint` as last saved.
- `job.cancelled()` turns True when a user cancels or the worker is stopping; a kind
  stops at its next step by calling `job.stop_if_cancelled()` (or by raising
  `JobStoppedError`). The runner records Cancelled, or (on shutdown) puts the job back
  in the queue to resume from its checkpoint.
- Errors: a `pocc.errors.PoccError` fails the job with its message (they say what to
  fix); Constant Contact authentication errors say that an administrator must click
  Authenticate. Anything else is a bug: the job fails with a short message and the
  traceback goes to the worker's log.
- `Outcome` sets the final status and the last log line. Partly succeeded means some
  records failed or were refused; say how many in the summary.

`job.dataverse` is the organisation's `DataverseClient`; `job.constant_contact` its
Constant Contact client (built on first use); `job.row` the job row as claimed
(`_pocc_campaignid_value`, `_pocc_marketinglistid_value`, `pocc_scheduledsendon`).
"""

from __future__ import annotations

import abc
import importlib
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from pocc.jobs.context import JobContext, JobStoppedError
from pocc.jobs.job_row import JobKindValue, JobStatus

logger = logging.getLogger(__name__)

# Modules in this package that hold kinds; each registers itself on import.
BUILT_IN_MODULES = (
    "synchronize",
    "refresh_statistics",
    "send",
    "retrieve_responses",
    "sync_marketing_list",
    "find_duplicates",
)

KINDS: dict[int, type[JobKind]] = {}

__all__ = [
    "KINDS",
    "JobContext",
    "JobKind",
    "JobStoppedError",
    "Outcome",
    "load_kinds",
    "register",
]


@dataclass(frozen=True)
class Outcome:
    """How a kind's run ended: the final status and a summary line for the log."""

    status: JobStatus
    summary: str
    error: str | None = None

    @classmethod
    def succeeded(cls, summary: str) -> Outcome:
        return cls(JobStatus.SUCCEEDED, summary)

    @classmethod
    def partly_succeeded(cls, summary: str, error: str) -> Outcome:
        return cls(JobStatus.PARTLY_SUCCEEDED, summary, error)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(JobStatus.FAILED, error, error)


class JobKind(abc.ABC):
    """One kind of job. Instances are made per run; keep state in the checkpoint."""

    # Run under the organisation's writer lease (one such job at a time).
    writes_to_constant_contact: ClassVar[bool] = False
    # Fail at once, before `run`, when the organisation is not authenticated.
    needs_constant_contact: ClassVar[bool] = True

    @abc.abstractmethod
    def run(self, job: JobContext) -> Outcome:
        """Does the work, resuming from `job.checkpoint`; returns how it ended."""


def register(value: JobKindValue | int) -> Callable[[type[JobKind]], type[JobKind]]:
    """Class decorator: `value` (a `pocc_kind` choice) is run by the class."""

    def add(kind: type[JobKind]) -> type[JobKind]:
        KINDS[int(value)] = kind
        return kind

    return add


def load_kinds() -> dict[int, type[JobKind]]:
    """Every built-in kind whose module is present, by choice value."""
    for name in BUILT_IN_MODULES:
        module = f"{__name__}.{name}"

        if importlib.util.find_spec(module) is None:
            logger.debug("no module %s: that kind of job is not available", module)
            continue

        importlib.import_module(module)

    return dict(KINDS)
