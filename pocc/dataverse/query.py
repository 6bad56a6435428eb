"""OData queries built from Python values, so that no value can change a query's shape.

Literals follow the OData v4 URL conventions Dataverse documents (reference notes,
2.3): strings in single quotes with a quote doubled (`'O''Brien'`), GUIDs, numbers,
booleans, `null` and UTC date-times bare. Column names are checked against the shape
of a logical name, so only values ever come from data. `+`, `&` and friends need no
care here: requests percent-encodes query parameters.

    where = column("lastname").eq("O'Brien") & column("statecode").in_([0, 1])
    Query(select=["fullname"], filter=where, orderby=["lastname"]).params()
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_ORDER = re.compile(r"^(?P<name>\S+)(\s+(?P<direction>asc|desc))?$", re.IGNORECASE)

Key = str | uuid.UUID | Mapping[str, Any]


def checked_name(name: str) -> str:
    """A column, navigation property or entity set name, refused unless well formed."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{name!r} is not a valid column or table name")

    return name


def literal(value: Any) -> str:
    """`value` as an OData literal."""
    if value is None:
        return "null"

    if isinstance(value, bool):
        return "true" if value else "false"

    if isinstance(value, int):
        return str(value)

    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be sent to Dataverse")

        return repr(value)

    if isinstance(value, Decimal):
        return format(value, "f")

    if isinstance(value, uuid.UUID):
        return str(value)

    if isinstance(value, datetime):
        return _utc_text(value)

    if isinstance(value, date):
        return value.isoformat()

    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"

    raise TypeError(f"no OData literal for {type(value).__name__}")


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("a date-time sent to Dataverse must carry a time zone")

    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_key(key: Key) -> str:
    """The `(...)` part of a record URL: a GUID or alternate-key columns, URL-safe."""
    if isinstance(key, Mapping):
        if not key:
            raise ValueError("an alternate key needs at least one column")

        parts = [
            f"{checked_name(name)}={literal(value)}" for name, value in key.items()
        ]
        text = ",".join(parts)
    else:
        text = str(as_guid(key))

    # Quote everything a path could misread ('/', '?', '#', '%', spaces, ...).
    return "(" + quote(text, safe="'=,-_.:") + ")"


def as_guid(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value

    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a GUID; pass alternate keys as a mapping"
        ) from None


class Filter:
    """A `$filter` expression. Combine with `&`, `|` and `~`."""

    def render(self, aliases: dict[str, str]) -> str:
        raise NotImplementedError

    def __and__(self, other: Filter) -> Filter:
        return _Logical("and", (self, other))

    def __or__(self, other: Filter) -> Filter:
        return _Logical("or", (self, other))

    def __invert__(self) -> Filter:
        return _Not(self)


@dataclass(frozen=True)
class _Comparison(Filter):
    name: str
    operator: str
    value: Any

    def render(self, aliases: dict[str, str]) -> str:
        return f"{self.name} {self.operator} {literal(self.value)}"


@dataclass(frozen=True)
class _StringFunction(Filter):
    function: str
    name: str
    value: str

    def render(self, aliases: dict[str, str]) -> str:
        return f"{self.function}({self.name},{literal(self.value)})"


@dataclass(frozen=True)
class _In(Filter):
    """`Microsoft.Dynamics.CRM.In` (or `NotIn`): values travel as strings.

    Dataverse's documented form is `PropertyValues=['0','1']`; for values holding an
    apostrophe it documents parameter aliases with a JSON array of double-quoted
    strings, which is used then.
    """

    function: str
    name: str
    values: tuple[Any, ...]

    def render(self, aliases: dict[str, str]) -> str:
        texts = [_in_value(value) for value in self.values]
        prefix = f"Microsoft.Dynamics.CRM.{self.function}"

        if not any("'" in text for text in texts):
            quoted = ",".join(literal(text) for text in texts)
            return (
                f"{prefix}(PropertyName={literal(self.name)},PropertyValues=[{quoted}])"
            )

        name_alias = _alias(aliases, literal(self.name))
        values_alias = _alias(aliases, json.dumps(texts, ensure_ascii=False))
        return f"{prefix}(PropertyName={name_alias},PropertyValues={values_alias})"


def _in_value(value: Any) -> str:
    if isinstance(value, str):
        return value

    text = literal(value)
    return "" if text == "null" else text


def _alias(aliases: dict[str, str], value: str) -> str:
    name = f"@p{len(aliases) + 1}"
    aliases[name] = value
    return name


@dataclass(frozen=True)
class _Logical(Filter):
    operator: str
    parts: tuple[Filter, ...]

    def render(self, aliases: dict[str, str]) -> str:
        inner = f" {self.operator} ".join(part.render(aliases) for part in self.parts)
        return f"({inner})"


@dataclass(frozen=True)
class _Not(Filter):
    part: Filter

    def render(self, aliases: dict[str, str]) -> str:
        return f"not {self.part.render(aliases)}"


class Column:
    """One column (or `lookup/column` path) to compare against Python values."""

    def __init__(self, name: str) -> None:
        self.name = checked_name(name)

    def eq(self, value: Any) -> Filter:
        return _Comparison(self.name, "eq", value)

    def ne(self, value: Any) -> Filter:
        return _Comparison(self.name, "ne", value)

    def gt(self, value: Any) -> Filter:
        return _Comparison(self.name, "gt", value)

    def ge(self, value: Any) -> Filter:
        return _Comparison(self.name, "ge", value)

    def lt(self, value: Any) -> Filter:
        return _Comparison(self.name, "lt", value)

    def le(self, value: Any) -> Filter:
        return _Comparison(self.name, "le", value)

    def is_null(self) -> Filter:
        return _Comparison(self.name, "eq", None)

    def is_not_null(self) -> Filter:
        return _Comparison(self.name, "ne", None)

    def contains(self, text: str) -> Filter:
        return _StringFunction("contains", self.name, _text(text))

    def startswith(self, text: str) -> Filter:
        return _StringFunction("startswith", self.name, _text(text))

    def endswith(self, text: str) -> Filter:
        return _StringFunction("endswith", self.name, _text(text))

    def in_(self, values: Iterable[Any]) -> Filter:
        return _In("In", self.name, _non_empty(values))

    def not_in(self, values: Iterable[Any]) -> Filter:
        return _In("NotIn", self.name, _non_empty(values))


def column(name: str) -> Column:
    return Column(name)


def all_of(filters: Iterable[Filter]) -> Filter:
    return _Logical("and", _non_empty(filters))


def any_of(filters: Iterable[Filter]) -> Filter:
    return _Logical("or", _non_empty(filters))


def _text(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError("string functions take a str")

    return value


def _non_empty(values: Iterable[Any]) -> tuple[Any, ...]:
    items = tuple(values)

    if not items:
        raise ValueError("an empty list matches nothing; skip the query instead")

    return items


@dataclass(frozen=True)
class Query:
    """The options of a collection query."""

    select: Sequence[str] = ()
    filter: Filter | None = None
    orderby: Sequence[str] = ()
    # Raw `$expand` items, e.g. "parentcustomerid_account($select=name)".
    expand: Sequence[str] = ()
    top: int | None = None
    count: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        params: dict[str, str] = {}

        if self.select:
            params["$select"] = ",".join(checked_name(name) for name in self.select)

        if self.filter is not None:
            aliases: dict[str, str] = {}
            params["$filter"] = self.filter.render(aliases)
            params.update(aliases)

        if self.orderby:
            params["$orderby"] = ",".join(_order(item) for item in self.orderby)

        if self.expand:
            params["$expand"] = ",".join(self.expand)

        if self.top is not None:
            params["$top"] = str(int(self.top))

        if self.count:
            params["$count"] = "true"

        params.update(self.extra)
        return params


def _order(item: str) -> str:
    match = _ORDER.match(item.strip())

    if not match:
        raise ValueError(f"{item!r} is not 'column' or 'column asc|desc'")

    name = checked_name(match["name"])
    direction = (match["direction"] or "asc").lower()
    return f"{name} {direction}"
