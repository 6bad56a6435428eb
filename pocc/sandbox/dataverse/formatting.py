"""`OData.Community.Display.V1.FormattedValue` text, as Dataverse shows values.

Dataverse formats in the caller's time zone and language; the sandbox's
application users work in UTC and English (United States), so dates read
`4/7/2023 9:59 PM`, money `$1,234.50` and whole numbers `12,000`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pocc.sandbox.dataverse.model import AttributeType, Column

WHOLE_NUMBERS = frozenset({AttributeType.INTEGER, AttributeType.BIGINT})
FRACTIONS = frozenset({AttributeType.DECIMAL, AttributeType.DOUBLE})


def formatted_value(column: Column, value: Any, lookup_name: Any = None) -> str | None:
    """The display text of a stored value, or None where Dataverse gives none."""
    if value is None:
        return None

    if column.is_lookup:
        return None if lookup_name is None else str(lookup_name)

    if column.is_choice:
        choice = column.choice(int(value))
        return None if choice is None else choice.label

    if column.type == AttributeType.BOOLEAN:
        return _boolean(column, value)

    if column.type == AttributeType.DATETIME:
        return _moment(column, str(value))

    if column.type == AttributeType.MONEY:
        return f"${float(value):,.{_precision(column)}f}"

    if column.type in WHOLE_NUMBERS:
        return f"{int(value):,}"

    if column.type in FRACTIONS:
        return f"{float(value):,.{_precision(column)}f}"

    return None


def _boolean(column: Column, value: Any) -> str:
    choice = column.choice(int(value))

    if choice is not None:
        return choice.label

    return "Yes" if value else "No"


def _moment(column: Column, text: str) -> str:
    if column.format == "DateOnly" or len(text) == 10:
        day = date.fromisoformat(text[:10])
        return f"{day.month}/{day.day}/{day.year}"

    moment = datetime.fromisoformat(text)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {half}"
    )


def _precision(column: Column) -> int:
    return 2 if column.precision is None else column.precision
