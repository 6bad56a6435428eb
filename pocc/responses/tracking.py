"""Reading one tracking report down to what an earlier run already stored.

Constant Contact lists tracking activities newest first and cannot filter them by
date (reference notes, 6.7), so pocc pages from the newest and stops at the first
event older than the report's watermark: the newest event the last complete run
stored. Events a little older than the watermark are read again (`OVERLAP`), because
an event can reach the reports some minutes after it happened; the responses' fixed
ids keep a re-read from writing anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)


@dataclass(frozen=True)
class TrackingEvent:
    """One row of a tracking report, with the fields responses use."""

    report: str
    contact_id: str
    email_address: str
    occurred_at: datetime
    first_name: str = ""
    last_name: str = ""
    link_url: str = ""
    bounce_code: str = ""
    opt_out_reason: str = ""

    @classmethod
    def from_row(cls, report: str, row: dict[str, Any]) -> TrackingEvent:
        return cls(
            report=report,
            contact_id=str(row.get("contact_id") or ""),
            email_address=str(row.get("email_address") or ""),
            occurred_at=parse_cc_time(row["created_time"]),
            first_name=str(row.get("first_name") or ""),
            last_name=str(row.get("last_name") or ""),
            link_url=str(row.get("link_url") or ""),
            bounce_code=str(row.get("bounce_code") or ""),
            opt_out_reason=str(row.get("opt_out_reason") or ""),
        )


@dataclass
class ReportRead:
    """What one read of a report found: the new events and the newest time seen."""

    events: list[TrackingEvent]
    newest: datetime | None
    rows_read: int


def parse_cc_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def read_since(
    rows: Iterable[dict[str, Any]], report: str, watermark: datetime | None
) -> ReportRead:
    """The events of a newest-first report down to `watermark` (less the overlap).

    `rows` is a lazy iterator over every page, so stopping early fetches no more
    pages. `newest` is the first row's time (or the old watermark for an empty
    report), which becomes the report's next watermark.
    """
    stop_before = watermark - OVERLAP if watermark else None
    events: list[TrackingEvent] = []
    newest = watermark
    read = 0

    for row in rows:
        read += 1
        event = TrackingEvent.from_row(report, row)

        if stop_before is not None and event.occurred_at < stop_before:
            break

        if newest is None or event.occurred_at > newest:
            newest = event.occurred_at

        events.append(event)

    logger.debug("%s report: %s rows read, %s kept", report, read, len(events))
    return ReportRead(events, newest, read)
