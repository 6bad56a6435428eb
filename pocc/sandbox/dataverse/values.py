"""A request body's JSON values turned into stored values, checked as Dataverse does.

The OData layer refuses what it cannot read (an unknown property, a value of the wrong
JSON type: code 0x80048d19); the platform then validates what it read (a string over
its maximum length, a number out of range, a choice that is not an option: code
0x80044331). Columns that are not valid for the operation (`IsValidForCreate` /
`IsValidForUpdate` false) are ignored, as Microsoft documents for Create and Update.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.edm import EDM_TYPES, edm_type, is_date_only
from pocc.sandbox.dataverse.model import AttributeType, Column, Table
from pocc.sandbox.dataverse.paths import is_guid

logger = logging.getLogger(__name__)

# Dataverse's own bounds where a column declares none.
DEFAULT_RANGES = {
    AttributeType.INTEGER: (-2_147_483_648, 2_147_483_647),
    AttributeType.BIGINT: (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807),
    AttributeType.MONEY: (-922_337_203_685_477, 922_337_203_685_477),
    AttributeType.DECIMAL: (-100_000_000_000, 100_000_000_000),
    AttributeType.DOUBLE: (-100_000_000_000, 100_000_000_000),
}

# What the OData layer can read into each integer type at all.
EDM_INTEGER_RANGES = {
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}

INTEGER_TYPES = frozenset({AttributeType.INTEGER, AttributeType.BIGINT})
NUMBER_TYPES = frozenset(
    {AttributeType.DECIMAL, AttributeType.DOUBLE, AttributeType.MONEY}
)
TEXT_TYPES = frozenset(
    {AttributeType.STRING, AttributeType.MEMO, AttributeType.ENTITYNAME}
)


def to_storage(table: Table, column: Column, value: Any) -> Any:
    """The stored form of one JSON value for `column`, or the error Dataverse gives."""
    if value is None:
        return None

    if column.type in TEXT_TYPES:
        return _text(table, column, value)

    if column.type in INTEGER_TYPES:
        return _number(table, column, _integer(column, value))

    if column.type in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise errors.wrong_type(value, EDM_TYPES[column.type])

        return _number(table, column, float(value))

    if column.is_choice:
        return _choice(table, column, _integer(column, value))

    if column.type == AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise errors.wrong_type(value, "Edm.Boolean")

        return int(value)

    if column.type == AttributeType.DATETIME:
        return _datetime(column, value)

    if column.type == AttributeType.UNIQUEIDENTIFIER:
        if not is_guid(value):
            raise errors.wrong_type(value, "Edm.Guid")

        return value.lower()

    raise errors.undeclared_property(table.logical_name, column.logical_name)


def check_type(column: Column, value: Any) -> None:
    """The OData layer's check alone: does the JSON value read as the column's
    type? It runs even for columns the platform then ignores (not valid for the
    operation), because the request body is read before the platform sees it."""
    if value is None:
        return

    if column.type == AttributeType.DATETIME:
        _datetime(column, value)
        return

    if not _reads_as(column, value):
        raise errors.wrong_type(value, EDM_TYPES.get(column.type, "Edm.String"))


def _reads_as(column: Column, value: Any) -> bool:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)

    if column.type in TEXT_TYPES:
        return isinstance(value, str)

    if column.type in INTEGER_TYPES or column.is_choice:
        low, high = EDM_INTEGER_RANGES[EDM_TYPES[column.type]]
        return is_number and isinstance(value, int) and low <= value <= high

    if column.type in NUMBER_TYPES:
        return is_number

    if column.type == AttributeType.BOOLEAN:
        return isinstance(value, bool)

    if column.type == AttributeType.UNIQUEIDENTIFIER:
        return is_guid(value)

    return True


def _text(table: Table, column: Column, value: Any) -> str:
    if not isinstance(value, str):
        raise errors.wrong_type(value, "Edm.String")

    if column.max_length is not None and len(value) > column.max_length:
        raise errors.validation(
            f"The length of the '{column.logical_name}' attribute of the "
            f"'{table.logical_name}' entity exceeded the maximum allowed length of "
            f"'{column.max_length}'."
        )

    return value


def _integer(column: Column, value: Any) -> int:
    if not _reads_as(column, value):
        raise errors.wrong_type(value, EDM_TYPES[column.type])

    return value


def _number(table: Table, column: Column, value: float) -> Any:
    low, high = DEFAULT_RANGES.get(column.type, (None, None))
    low = column.min_value if column.min_value is not None else low
    high = column.max_value if column.max_value is not None else high

    if (low is not None and value < low) or (high is not None and value > high):
        raise errors.validation(
            f"The value {value} of '{column.logical_name}' on record of type "
            f"'{table.logical_name}' is outside the valid range. Accepted Values: "
            f"{_plain(low)} to {_plain(high)}"
        )

    return value


def _plain(number: float | None) -> str:
    if number is None:
        return ""

    return str(int(number)) if float(number).is_integer() else str(number)


def _choice(table: Table, column: Column, value: int) -> int:
    if column.choices and column.choice(value) is None:
        accepted = ",".join(str(option.value) for option in column.choices)
        raise errors.validation(
            f"The value {value} of '{column.logical_name}' on record of type "
            f"'{table.logical_name}' is outside the valid range. Accepted Values: "
            f"{accepted}"
        )

    return value


def _datetime(column: Column, value: Any) -> str:
    expected = edm_type(column)

    if not isinstance(value, str):
        raise errors.wrong_type(value, expected)

    try:
        moment = parse_datetime(value)
    except ValueError:
        raise errors.wrong_type(value, expected) from None

    if is_date_only(column):
        return moment.strftime("%Y-%m-%d")

    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date or date-time; times without an offset are taken as UTC."""
    text = text.strip()

    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    return moment.astimezone(UTC)
