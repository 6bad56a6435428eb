"""Timestamps as Constant Contact writes them: ISO-8601 UTC with milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """`2019-05-16T13:38:55.000Z`, the form the API's examples show."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
