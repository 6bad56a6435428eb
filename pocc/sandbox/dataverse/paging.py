"""Keyset paging: the `$skiptoken` paging cookie and the condition it stands for.

Rows are read in the requested order followed by the primary key (contract in
sandbox-internals.md). A next link carries the last row's sort values in a cookie
shaped like Dataverse's own,
`<cookie pagenumber="2" pagingcookie="..." istracking="False" />`, whose
`pagingcookie` is the inner `<cookie page="1"><col last=".." first=".."/>...`
URL-encoded (so twice over in the link itself, as Dataverse's links show). The
next page starts strictly after those values, so rows inserted between pages can
neither push a row out nor bring one back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import fromstring

from pocc.sandbox.dataverse import odata_errors
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.filter_values import text_value
from pocc.sandbox.dataverse.model import AttributeType, Column
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SortKey:
    column: Column
    descending: bool = False


@dataclass(frozen=True)
class Cursor:
    page_number: int
    # The last row's value for each sort key, in order.
    values: tuple[Any, ...]


def order_by(keys: Sequence[SortKey], alias: str) -> str:
    """ORDER BY text. SQLite, like SQL Server, sorts nulls first ascending."""
    terms = []

    for key in keys:
        direction = "DESC" if key.descending else "ASC"
        terms.append(f"{column_ref(alias, key.column.logical_name)} {direction}")

    return ", ".join(terms)


def after(keys: Sequence[SortKey], values: Sequence[Any], alias: str) -> Fragment:
    """The rows that sort strictly after `values` in the order `keys` give."""
    alternatives = []

    for position, key in enumerate(keys):
        equal = [_equal(keys[index], values[index], alias) for index in range(position)]
        beyond = _beyond(key, values[position], alias)

        if beyond is not None:
            alternatives.append(Fragment.join(" AND ", [*equal, beyond]).wrapped())

    if not alternatives:
        return Fragment("1 = 0")

    return Fragment.join(" OR ", alternatives).wrapped()


def _equal(key: SortKey, value: Any, alias: str) -> Fragment:
    return Fragment(f"{column_ref(alias, key.column.logical_name)} IS ?", [value])


def _beyond(key: SortKey, value: Any, alias: str) -> Fragment | None:
    column = column_ref(alias, key.column.logical_name)

    # Nulls come first ascending and last descending.
    if value is None and key.descending:
        return None

    if value is None:
        return Fragment(f"{column} IS NOT NULL")

    if key.descending:
        return Fragment(f"({column} < ? OR {column} IS NULL)", [value])

    return Fragment(f"{column} > ?", [value])


def encode(
    page_number: int,
    keys: Sequence[SortKey],
    first: Mapping[str, Any],
    last: Mapping[str, Any],
) -> str:
    """The `$skiptoken` value that leads to page `page_number`."""
    inner = inner_cookie(page_number - 1, keys, first, last)
    return (
        f'<cookie pagenumber="{page_number}" pagingcookie="{quote(inner, safe="")}" '
        'istracking="False" />'
    )


def inner_cookie(
    page: int,
    keys: Sequence[SortKey],
    first: Mapping[str, Any],
    last: Mapping[str, Any],
) -> str:
    """`<cookie page="N"><column last=".." first=".." />...</cookie>`."""
    inner = Element("cookie", page=str(page))

    for key in keys:
        name = key.column.logical_name
        attributes = {}
        attributes.update(_bound("last", key.column, last[name]))
        attributes.update(_bound("first", key.column, first[name]))
        SubElement(inner, name, attributes)

    return tostring(inner, encoding="unicode")


def _bound(edge: str, column: Column, value: Any) -> dict[str, str]:
    if value is None:
        return {f"{edge}null": "1"}

    if column.type == AttributeType.UNIQUEIDENTIFIER:
        return {edge: "{" + str(value).upper() + "}"}

    return {edge: str(value)}


def decode(skiptoken: str, keys: Sequence[SortKey]) -> Cursor:
    """The cursor a `$skiptoken` holds; a token from another query is refused."""
    try:
        outer = fromstring(skiptoken)
        page_number = int(outer.get("pagenumber", ""))
        values = decode_inner(outer.get("pagingcookie", ""), keys)
    except DataverseError:
        raise
    except Exception as error:
        logger.debug("refusing a $skiptoken that does not parse: %s", error)
        raise _invalid_token() from error

    return Cursor(page_number, values)


def decode_inner(cookie: str, keys: Sequence[SortKey]) -> tuple[Any, ...]:
    """The last row's sort values from an inner cookie (encoded or not)."""
    try:
        inner = fromstring(_unquoted(cookie))
        return tuple(_value(inner, key) for key in keys)
    except DataverseError:
        raise
    except Exception as error:
        logger.debug("refusing a paging cookie that does not parse: %s", error)
        raise _invalid_token() from error


def _unquoted(text: str) -> str:
    """The inner cookie XML, however many times a client's tooling encoded it."""
    for _ in range(3):
        if text.lstrip().startswith("<"):
            break

        text = unquote(text)

    return text


def _value(inner: Any, key: SortKey) -> Any:
    element = inner.find(key.column.logical_name)

    if element is None:
        raise _invalid_token()

    if element.get("lastnull") == "1":
        return None

    return text_value(key.column, element.get("last", ""))


def _invalid_token() -> DataverseError:
    return odata_errors.query_error("The $skiptoken value is not valid for this query.")
