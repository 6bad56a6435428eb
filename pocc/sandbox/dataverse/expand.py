"""`$expand`: related rows placed inside each result row.

A lookup expands to an object or null; a collection (1:N or N:N) to an array. As
in Dataverse (notes 2.6), a single-level collection expansion is not paged: each
row gets up to 5,000 related rows, and only where more exist a
`<name>@odata.nextLink` that reads the rest through the navigation property.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pocc.sandbox.dataverse.model import Table
from pocc.sandbox.dataverse.preferences import (
    FORMATTED_VALUE,
    MAX_PAGE_SIZE,
    Preferences,
)
from pocc.sandbox.dataverse.query_options import Expansion
from pocc.sandbox.dataverse.relations import PARENT_KEY, Navigation
from pocc.sandbox.dataverse.row_reader import (
    ALIAS,
    Database,
    filter_condition,
    read_rows,
    sort_keys,
)
from pocc.sandbox.dataverse.serialize import record, selected_columns
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref
from pocc.sandbox.dataverse.store import type_column

logger = logging.getLogger(__name__)


def name_lookups(table: Table, select: Any, prefer: Preferences) -> list:
    """The selected lookups whose target names the response needs."""
    if not prefer.wants(FORMATTED_VALUE):
        return []

    return [column for column in selected_columns(table, select) if column.is_lookup]


def expand_rows(
    database: Database,
    table: Table,
    rows: Sequence[dict[str, Any]],
    bodies: Sequence[dict[str, Any]],
    expansions: Sequence[Expansion],
    prefer: Preferences,
    service_root: str,
) -> None:
    """Add each expansion to the serialized `bodies` of `rows`, in place."""
    for expansion in expansions:
        navigation = expansion.navigation

        if navigation.is_collection:
            _expand_collection(database, rows, bodies, expansion, prefer, service_root)
        else:
            _expand_lookup(database, rows, bodies, expansion, prefer, service_root)


def _expand_lookup(
    database: Database,
    rows: Sequence[dict[str, Any]],
    bodies: Sequence[dict[str, Any]],
    expansion: Expansion,
    prefer: Preferences,
    service_root: str,
) -> None:
    navigation = expansion.navigation
    column = navigation.relationship.referencing_column
    target = navigation.target
    wanted = {
        row[column]
        for row in rows
        if row.get(column) and row.get(type_column(column)) == target.logical_name
    }
    found = _read_by_id(database, navigation, sorted(wanted), expansion, prefer)
    targets = [found.get(row.get(column) or "") for row in rows]
    present = [item for item in targets if item is not None]
    nested = _serialize(database, target, present, expansion, prefer, service_root)
    serialized = dict(zip((id(item) for item in present), nested, strict=True))

    for body, item in zip(bodies, targets, strict=True):
        body[navigation.name] = None if item is None else serialized[id(item)]


def _read_by_id(
    database: Database,
    navigation: Navigation,
    ids: Sequence[str],
    expansion: Expansion,
    prefer: Preferences,
) -> dict[str, dict[str, Any]]:
    target = navigation.target
    found: dict[str, dict[str, Any]] = {}

    for start in range(0, len(ids), MAX_PAGE_SIZE):
        chunk = ids[start : start + MAX_PAGE_SIZE]
        marks = ", ".join("?" for _ in chunk)
        key = column_ref(ALIAS, target.primary_id)
        conditions = [
            Fragment(f"{key} IN ({marks})", list(chunk)),
            *filter_condition(expansion.options.filter),
        ]
        lookups = name_lookups(target, expansion.options.select, prefer)
        rows = read_rows(database, target, conditions, [], None, lookups)
        found.update((row[target.primary_id], row) for row in rows)

    return found


def _expand_collection(
    database: Database,
    rows: Sequence[dict[str, Any]],
    bodies: Sequence[dict[str, Any]],
    expansion: Expansion,
    prefer: Preferences,
    service_root: str,
) -> None:
    navigation = expansion.navigation
    source = navigation.source
    parent_ids = [row[source.primary_id] for row in rows]
    related = read_related(database, navigation, parent_ids, expansion, prefer)
    limit = expansion.options.top

    for row, body in zip(rows, bodies, strict=True):
        items = related.get(row[source.primary_id], [])
        shown = items[
            : min(limit, MAX_PAGE_SIZE) if limit is not None else MAX_PAGE_SIZE
        ]
        body[navigation.name] = _serialize(
            database, navigation.target, shown, expansion, prefer, service_root
        )

        if limit is None and len(items) > MAX_PAGE_SIZE:
            body[f"{navigation.name}@odata.nextLink"] = (
                f"{service_root}{source.entity_set}({row[source.primary_id]})/"
                f"{navigation.name}"
            )


def read_related(
    database: Database,
    navigation: Navigation,
    parent_ids: Sequence[str],
    expansion: Expansion,
    prefer: Preferences,
) -> dict[str, list[dict[str, Any]]]:
    """The related rows of each parent, in the expansion's order."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)

    if not parent_ids:
        return grouped

    target = navigation.target
    related = navigation.related_rows(ALIAS, parent_ids)
    conditions = [related.condition, *filter_condition(expansion.options.filter)]
    keys = sort_keys(target, expansion.options.order)
    lookups = name_lookups(target, expansion.options.select, prefer)
    rows = read_rows(
        database,
        target,
        conditions,
        keys,
        None,
        lookups,
        source=related.source,
        parent=related.parent,
    )

    for row in rows:
        grouped[row.pop(PARENT_KEY)].append(row)

    return grouped


def _serialize(
    database: Database,
    table: Table,
    rows: Sequence[dict[str, Any]],
    expansion: Expansion,
    prefer: Preferences,
    service_root: str,
) -> list[dict[str, Any]]:
    options = expansion.options
    schema = database.schema
    bodies = [record(table, row, options.select, prefer, schema) for row in rows]

    if options.expand:
        expand_rows(database, table, rows, bodies, options.expand, prefer, service_root)

    return bodies
