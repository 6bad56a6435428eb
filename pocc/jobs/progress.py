"""A job's totals, counts, skip buckets and percent, as written to its `pocc_job` row.

Every record a job looks at ends in exactly one bucket: sent, failed, or skipped for
one reason. `skip` counts the record as processed and skipped and in its reason's
column, so the buckets always add up to what was read. The heartbeat thread writes a
snapshot every few seconds; kinds only count.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

# Skip reason -> its column on `pocc_job`.
SKIP_COLUMNS = {
    "inactive": "pocc_skippedinactive",
    "no email": "pocc_skippednoemail",
    "invalid email": "pocc_skippedinvalidemail",
    "emailing not allowed": "pocc_skippedemailingnotallowed",
    "duplicate": "pocc_skippedduplicate",
    "refused": "pocc_skippedrefused",
}
COUNT_COLUMNS = ("pocc_processed", "pocc_sent", "pocc_skipped", "pocc_failed")


class Progress:
    """Counts that one job's kind updates and its heartbeat writes."""

    def __init__(self, row: Mapping[str, Any] | None = None) -> None:
        row = row or {}
        self._lock = threading.Lock()
        self._total = int(row.get("pocc_total") or 0)
        self._counts = {name: int(row.get(name) or 0) for name in COUNT_COLUMNS}
        self._skips = {
            reason: int(row.get(name) or 0) for reason, name in SKIP_COLUMNS.items()
        }

    @property
    def total(self) -> int:
        return self._total

    @property
    def processed(self) -> int:
        return self._counts["pocc_processed"]

    def reset(self) -> None:
        """Zeroes every count, for a kind that recounts from the start on resume."""
        with self._lock:
            self._counts = dict.fromkeys(COUNT_COLUMNS, 0)
            self._skips = dict.fromkeys(SKIP_COLUMNS, 0)

    def set_total(self, total: int) -> None:
        with self._lock:
            self._total = max(int(total), 0)

    def add_total(self, count: int) -> None:
        """Grows the total as a job discovers more work (pages of campaigns...)."""
        with self._lock:
            self._total += max(int(count), 0)

    def done(self, count: int = 1) -> None:
        """`count` records processed with nothing more to say (updated, unchanged)."""
        self._add(processed=count)

    def sent(self, count: int = 1) -> None:
        self._add(processed=count, sent=count)

    def failed(self, count: int = 1) -> None:
        self._add(processed=count, failed=count)

    def skip(self, reason: str, count: int = 1) -> None:
        if reason not in SKIP_COLUMNS:
            known = ", ".join(sorted(SKIP_COLUMNS))
            raise ValueError(f"unknown skip reason {reason!r} (known: {known})")

        with self._lock:
            self._skips[reason] += count
            self._counts["pocc_skipped"] += count
            self._counts["pocc_processed"] += count

    def skipped(self, reason: str) -> int:
        return self._skips[reason]

    def count(self, column: str) -> int:
        return self._counts[column]

    def percent(self) -> int:
        with self._lock:
            return self._percent()

    def columns(self) -> dict[str, int]:
        """The row's progress columns as they stand now."""
        with self._lock:
            columns = {"pocc_total": self._total, "pocc_percent": self._percent()}
            columns.update(self._counts)
            columns.update(
                {SKIP_COLUMNS[reason]: count for reason, count in self._skips.items()}
            )
            return columns

    def _add(self, processed: int = 0, sent: int = 0, failed: int = 0) -> None:
        with self._lock:
            self._counts["pocc_processed"] += processed
            self._counts["pocc_sent"] += sent
            self._counts["pocc_failed"] += failed

    def _percent(self) -> int:
        if self._total <= 0:
            return 0

        # 100 is kept for the end: a job that has processed everything may still
        # have its last step (a schedule, a final write) ahead of it.
        share = self._counts["pocc_processed"] * 100 // self._total
        return max(0, min(share, 99))
