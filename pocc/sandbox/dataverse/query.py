"""Reads through the Web API: a collection (with paging) or one record.

The blueprint (`api.py`) calls `read_collection` for `GET <entity set>` and for a
collection-valued navigation property (`lists(<id>)/listcontact_association`,
given as a `CollectionScope`), and `read_record` for `GET <entity set>(<id>)`.
Paging follows Dataverse (notes 2.4, 2.5): pages of `Prefer: odata.maxpagesize`
rows (default and most 5,000), `$top` ignored when a page size is asked for,
`@odata.count` capped at 5,000, and keyset `@odata.nextLink`s (see `paging`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from pocc.sandbox.dataverse import errors, odata_errors, paging
from pocc.sandbox.dataverse.expand import expand_rows, name_lookups
from pocc.sandbox.dataverse.model import Schema, Table
from pocc.sandbox.dataverse.preferences import (
    MAX_PAGE_SIZE,
    TOTAL_RECORD_COUNT,
    TOTAL_RECORD_COUNT_LIMIT_EXCEEDED,
    Preferences,
)
from pocc.sandbox.dataverse.query_options import QueryOptions, parse_options
from pocc.sandbox.dataverse.relations import Navigation, resolve_navigation
from pocc.sandbox.dataverse.row_reader import (
    ALIAS,
    Database,
    count_rows,
    filter_condition,
    read_rows,
    sort_keys,
)
from pocc.sandbox.dataverse.serialize import property_name, record
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref

logger = logging.getLogger(__name__)

API_PATH = "/api/data/v9.2/"
RECORD_OPTIONS = frozenset({"$select", "$expand"})


@dataclass(frozen=True)
class CollectionScope:
    """The rows reached from one record through a collection-valued navigation
    property, as in `GET lists(<id>)/listcontact_association`."""

    navigation: Navigation
    parent_id: str

    @property
    def target(self) -> Table:
        return self.navigation.target


def navigation_scope(
    schema: Schema, table: Table, navigation: str, record_id: str
) -> CollectionScope:
    """The scope of `GET <set>(<record_id>)/<navigation>`; refuses a lookup."""
    resolved = resolve_navigation(schema, table, navigation)

    if not resolved.is_collection:
        raise odata_errors.query_error(
            f"The navigation property '{navigation}' is not a collection."
        )

    return CollectionScope(resolved, record_id.lower())


def read_collection(
    database: Database,
    table: Table,
    options: Mapping[str, str],
    prefer: Preferences,
    request_url: str,
    scope: CollectionScope | None = None,
) -> dict:
    """The body of a collection read: `@odata.context`, `value`, paging links."""
    query = parse_options(options, table, database.schema)
    source, conditions = _scope(table, scope)
    conditions.extend(filter_condition(query.filter))
    keys = sort_keys(table, query.order)
    size, paged = _page_size(query, prefer)
    cursor = paging.decode(query.skiptoken, keys) if query.skiptoken else None
    page_conditions = list(conditions)

    if cursor is not None:
        page_conditions.append(paging.after(keys, cursor.values, ALIAS))

    lookups = name_lookups(table, query.select, prefer)
    rows = read_rows(
        database, table, page_conditions, keys, size + 1, lookups, source=source
    )
    more = paged and len(rows) > size
    rows = rows[:size]

    body: dict[str, Any] = {"@odata.context": _context(request_url, table, query)}

    if query.count:
        body.update(_count(database, table, conditions, prefer, source))

    service_root = _service_root(request_url)
    body["value"] = _serialize(database, table, rows, query, prefer, service_root)

    if more:
        page_number = (cursor.page_number if cursor else 1) + 1
        token = paging.encode(page_number, keys, rows[0], rows[-1])
        body["@odata.nextLink"] = _next_link(request_url, token)

    logger.debug("read %s rows of %s (more: %s)", len(rows), table.logical_name, more)
    return body


def read_record(
    database: Database,
    table: Table,
    record_id: str,
    options: Mapping[str, str],
    prefer: Preferences,
    request_url: str = "",
) -> dict:
    """The body of `GET <entity set>(<id>)`: one row with its expansions."""
    relevant = {
        name: value
        for name, value in options.items()
        if name in RECORD_OPTIONS or name.startswith("@")
    }
    query = parse_options(relevant, table, database.schema)
    key = column_ref(ALIAS, table.primary_id)
    condition = Fragment(f"{key} = ?", [record_id.lower()])
    lookups = name_lookups(table, query.select, prefer)
    rows = read_rows(database, table, [condition], [], 1, lookups)

    if not rows:
        raise errors.not_found(table.logical_name, record_id)

    body: dict[str, Any] = {}

    if request_url:
        body["@odata.context"] = _context(request_url, table, query) + "/$entity"

    service_root = _service_root(request_url)
    body.update(_serialize(database, table, rows, query, prefer, service_root)[0])
    return body


def _scope(
    table: Table, scope: CollectionScope | None
) -> tuple[str | None, list[Fragment]]:
    if scope is None:
        return None, []

    if scope.target.logical_name != table.logical_name:
        raise ValueError("a collection scope must lead to the table being read")

    related = scope.navigation.related_rows(ALIAS, [scope.parent_id])
    return related.source, [related.condition]


def _page_size(query: QueryOptions, prefer: Preferences) -> tuple[int, bool]:
    """(rows on this page, whether further pages are offered)."""
    if prefer.max_page_size is not None:
        return prefer.page_size(), True

    if query.top is not None:
        return min(query.top, MAX_PAGE_SIZE), False

    return MAX_PAGE_SIZE, True


def _count(
    database: Database,
    table: Table,
    conditions: list[Fragment],
    prefer: Preferences,
    source: str | None,
) -> dict[str, Any]:
    total = count_rows(database, table, conditions, MAX_PAGE_SIZE + 1, source)
    capped = min(total, MAX_PAGE_SIZE)
    result: dict[str, Any] = {"@odata.count": capped}

    if prefer.wants(TOTAL_RECORD_COUNT):
        result[f"@{TOTAL_RECORD_COUNT}"] = capped

    if prefer.wants(TOTAL_RECORD_COUNT_LIMIT_EXCEEDED):
        result[f"@{TOTAL_RECORD_COUNT_LIMIT_EXCEEDED}"] = total > MAX_PAGE_SIZE

    return result


def _serialize(
    database: Database,
    table: Table,
    rows: list[dict[str, Any]],
    query: QueryOptions,
    prefer: Preferences,
    service_root: str,
) -> list[dict[str, Any]]:
    schema = database.schema
    bodies = [record(table, row, query.select, prefer, schema) for row in rows]

    if query.expand:
        expand_rows(database, table, rows, bodies, query.expand, prefer, service_root)

    return bodies


def _service_root(request_url: str) -> str:
    """`https://host/.../api/data/v9.2/` from any URL under it."""
    parts = urlsplit(request_url)
    path = parts.path
    cut = path.find(API_PATH)

    if cut < 0:
        return f"{parts.scheme}://{parts.netloc}{path.rsplit('/', 1)[0]}/"

    return f"{parts.scheme}://{parts.netloc}{path[: cut + len(API_PATH)]}"


def _context(request_url: str, table: Table, query: QueryOptions) -> str:
    """`@odata.context`: the metadata URL, the entity set and the selection."""
    selection = _selection(query)
    suffix = f"({selection})" if selection else ""
    return f"{_service_root(request_url)}$metadata#{table.entity_set}{suffix}"


def _selection(query: QueryOptions) -> str:
    names = [property_name(column) for column in query.select or ()]

    for expansion in query.expand:
        inner = _selection(expansion.options)
        names.append(f"{expansion.navigation.name}({inner})")

    return ",".join(names)


def _next_link(request_url: str, token: str) -> str:
    """The request URL with its `$skiptoken` replaced by `token`."""
    base, _, query = request_url.partition("?")
    kept = [
        part
        for part in query.split("&")
        if part and not part.lower().startswith(("$skiptoken=", "%24skiptoken="))
    ]
    kept.append(f"$skiptoken={quote(token, safe='=/')}")
    return f"{base}?{'&'.join(kept)}"
