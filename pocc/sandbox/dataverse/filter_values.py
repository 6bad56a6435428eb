"""Query literals: from the text a client wrote to the value storage holds.

Storage keeps booleans as 0/1, GUIDs lower-case, date-times as UTC
`YYYY-MM-DDTHH:MM:SSZ` and date-only values as `YYYY-MM-DD` (see the storage
contract), so a literal is converted once here and then compared as it is.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Any

from pocc.sandbox.dataverse import odata_errors
from pocc.sandbox.dataverse.edm import edm_type
from pocc.sandbox.dataverse.filter_tree import Literal
from pocc.sandbox.dataverse.model import AttributeType, Column
from pocc.sandbox.patterns import GUID

# Dataverse also takes a GUID literal in braces.
BRACED_GUID = re.compile(rf"^\{{?({GUID})\}}?$")
INTEGER_TYPES = frozenset(
    {
        AttributeType.INTEGER,
        AttributeType.BIGINT,
        AttributeType.PICKLIST,
        AttributeType.STATE,
        AttributeType.STATUS,
    }
)
REAL_TYPES = frozenset(
    {AttributeType.DECIMAL, AttributeType.DOUBLE, AttributeType.MONEY}
)
INT32_MAX = 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def literal_value(kind: str, text: str) -> Literal | None:
    """The literal a token stands for, or None when the token is not a literal."""
    if kind == "string":
        return Literal(text[1:-1].replace("''", "'"), "Edm.String")

    if kind == "dqstring":
        return _double_quoted(text)

    if kind == "guid":
        return Literal(text.lower(), "Edm.Guid")

    if kind == "datetime":
        return Literal(utc_text(text), "Edm.DateTimeOffset")

    if kind == "date":
        return Literal(text, "Edm.Date")

    if kind == "number":
        return _number(text)

    keywords = {
        "true": Literal(True, "Edm.Boolean"),
        "false": Literal(False, "Edm.Boolean"),
    }

    if kind == "name" and text in keywords:
        return keywords[text]

    if kind == "name" and text == "null":
        return Literal(None, "null")

    return None


def _double_quoted(text: str) -> Literal | None:
    """A JSON-style string; a bad escape or a lone surrogate is no literal."""
    try:
        value = json.loads(text)
        value.encode("utf-8")
    except (ValueError, AttributeError):
        return None

    return Literal(value, "Edm.String")


def _number(text: str) -> Literal:
    suffix = text[-1].lower() if text[-1].isalpha() else ""
    digits = text[:-1] if suffix else text

    if suffix in ("d", "f"):
        return Literal(float(digits), "Edm.Double")

    if suffix == "m" or "." in digits or "e" in digits.lower():
        return Literal(float(digits), "Edm.Decimal")

    # Past Int64 OData reads an integer literal as a decimal; past a double (or the
    # 4,300 digits Python will read as an integer) it is no number at all.
    if len(digits.lstrip("-")) > 19:
        return _decimal(text, digits)

    value = int(digits)

    if value < INT64_MIN or value > INT64_MAX:
        return _decimal(text, digits)

    if suffix == "l" or abs(value) > INT32_MAX:
        return Literal(value, "Edm.Int64")

    return Literal(value, "Edm.Int32")


def _decimal(text: str, digits: str) -> Literal:
    value = float(digits)

    if math.isinf(value):
        raise odata_errors.bad_literal(text[:100], "Edm.Decimal")

    return Literal(value, "Edm.Decimal")


def utc_text(text: str) -> str:
    """An ISO date-time with an offset, as storage keeps it: UTC with `Z`."""
    moment = datetime.fromisoformat(text.replace("z", "Z"))

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_value(column: Column, value: Any) -> Any:
    """`value` (a literal's value, or text from an In list) as `column` stores it."""
    try:
        return _storage_value(column, value)
    except (ValueError, TypeError) as error:
        raise odata_errors.bad_literal(str(value), edm_type(column)) from error


def _storage_value(column: Column, value: Any) -> Any:
    if value is None:
        return None

    if column.type == AttributeType.BOOLEAN:
        return _boolean(value)

    if column.type in INTEGER_TYPES:
        return _integer(value)

    if column.type in REAL_TYPES:
        return float(value)

    if column.type == AttributeType.DATETIME:
        return _temporal(column, str(value))

    if column.type == AttributeType.UNIQUEIDENTIFIER or column.is_lookup:
        return _guid(str(value))

    return str(value)


def _boolean(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)

    text = str(value).lower()

    if text not in ("true", "false", "1", "0"):
        raise ValueError(text)

    return int(text in ("true", "1"))


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")

    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)

    number = int(value)

    # SQLite holds 64-bit integers; no Dataverse integer column holds more.
    if number < INT64_MIN or number > INT64_MAX:
        raise ValueError(value)

    return number


def _temporal(column: Column, text: str) -> str:
    if column.format == "DateOnly":
        return date.fromisoformat(text[:10]).isoformat()

    if len(text) == 10:
        return f"{date.fromisoformat(text).isoformat()}T00:00:00Z"

    return utc_text(text)


def _guid(text: str) -> str:
    match = BRACED_GUID.match(text)

    if match is None:
        raise ValueError(text)

    return match.group(1).lower()
