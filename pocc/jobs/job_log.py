"""The job's log: short timestamped lines a CRM user reads on the job form.

It is a summary, not a debug dump: one line per milestone ("Imported 3 campaigns,
1 unchanged"), each prefixed with its UTC time. A resumed job appends to what the
earlier runner wrote, so the whole story stays in one place. The column holds up to
1,048,576 characters; past a generous cap the oldest middle lines are dropped and
the first lines (how the job began) are kept.
"""

from __future__ import annotations

import threading
from datetime import datetime

from pocc.jobs.job_row import format_time, utc_now
from pocc.redaction import redact

MAX_LOG_CHARACTERS = 500_000
KEEP_FIRST_LINES = 20
DROPPED_MARKER = "(earlier lines dropped to keep the log short)"


class JobLog:
    """Lines of one job's log, safe to add to from several threads."""

    def __init__(self, text: str | None = None) -> None:
        self._lines = [line for line in (text or "").splitlines() if line.strip()]
        self._lock = threading.Lock()

    def add(self, message: str, moment: datetime | None = None) -> None:
        """Appends one line; email addresses and tokens are masked first."""
        stamp = format_time(moment or utc_now()).replace("T", " ")

        with self._lock:
            self._lines.append(f"{stamp}  {redact(message)}")
            self._trim()

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines)

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def _trim(self) -> None:
        while sum(len(line) + 1 for line in self._lines) > MAX_LOG_CHARACTERS:
            if len(self._lines) <= KEEP_FIRST_LINES + 2:
                return

            if self._lines[KEEP_FIRST_LINES] != DROPPED_MARKER:
                self._lines.insert(KEEP_FIRST_LINES, DROPPED_MARKER)

            del self._lines[KEEP_FIRST_LINES + 1]
