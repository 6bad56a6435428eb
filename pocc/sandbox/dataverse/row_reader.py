"""The one SELECT every read goes through: rows of one table, in keyset order.

A read names its table, an optional source (a join that reaches related rows),
conditions as bound fragments and the sort keys; the reader adds, when formatted
values are wanted, each lookup target's primary name as `<lookup>__name`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from pocc.sandbox.dataverse.filter_sql import compile_filter
from pocc.sandbox.dataverse.filter_tree import Node
from pocc.sandbox.dataverse.model import Column, Schema, Table
from pocc.sandbox.dataverse.paging import SortKey, order_by
from pocc.sandbox.dataverse.relations import PARENT_KEY
from pocc.sandbox.dataverse.serialize import lookup_name_column
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref, identifier, statement
from pocc.sandbox.dataverse.store import type_column

logger = logging.getLogger(__name__)

ALIAS = "t"


class Database(Protocol):
    """What the query modules need of `store.OrgDatabase`."""

    schema: Schema

    def connection(self) -> sqlite3.Connection: ...


def sort_keys(table: Table, order: Iterable[Any]) -> list[SortKey]:
    """The requested order followed by the primary key, which makes every row's
    position unique."""
    keys = [SortKey(item.column, item.descending) for item in order]
    primary = table.column(table.primary_id)

    if primary is None:
        raise ValueError(f"{table.logical_name} has no primary key column")

    if all(key.column.logical_name != table.primary_id for key in keys):
        keys.append(SortKey(primary))

    return keys


def read_rows(
    database: Database,
    table: Table,
    conditions: Sequence[Fragment],
    keys: Sequence[SortKey],
    limit: int | None,
    name_lookups: Sequence[Column] = (),
    source: str | None = None,
    parent: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of `table` (aliased `t`) that meet every condition, in `keys` order."""
    columns = [Fragment(f"{ALIAS}.*")]

    if parent is not None:
        columns.append(Fragment(f"{parent} AS {PARENT_KEY}"))

    columns.extend(lookup_name(database.schema, column) for column in name_lookups)
    where = Fragment.join(" AND ", (item.wrapped() for item in conditions))
    sql = statement(
        Fragment.join(", ", columns).prefixed("SELECT "),
        f"FROM {source or f'{identifier(table.logical_name)} AS {ALIAS}'}",
        where.prefixed("WHERE ") if conditions else "",
        f"ORDER BY {order_by(keys, ALIAS)}" if keys else "",
        Fragment("LIMIT ?", [limit]) if limit is not None else "",
    )
    logger.debug("query on %s: %s", table.logical_name, sql.text)
    cursor = database.connection().execute(sql.text, sql.params)
    return [dict(row) for row in cursor.fetchall()]


def count_rows(
    database: Database,
    table: Table,
    conditions: Sequence[Fragment],
    cap: int,
    source: str | None = None,
) -> int:
    """How many rows meet the conditions, counting no further than `cap`."""
    where = Fragment.join(" AND ", (item.wrapped() for item in conditions))
    inner = statement(
        "SELECT 1",
        f"FROM {source or f'{identifier(table.logical_name)} AS {ALIAS}'}",
        where.prefixed("WHERE ") if conditions else "",
        Fragment("LIMIT ?", [cap]),
    )
    sql = Fragment(f"SELECT COUNT(*) FROM ({inner.text})", inner.params)
    return int(database.connection().execute(sql.text, sql.params).fetchone()[0])


def filter_condition(node: Node | None) -> list[Fragment]:
    return [] if node is None else [compile_filter(node, ALIAS)]


def lookup_name(schema: Schema, column: Column, alias: str = ALIAS) -> Fragment:
    """CASE over the lookup's target type: the target row's primary name."""
    branches = []
    params: list[Any] = []
    lookup = column_ref(alias, column.logical_name)

    for target_name in column.targets:
        target = schema.table(target_name)

        if target is None or not target.primary_name:
            continue

        name = column_ref("named", target.primary_name)
        key = column_ref("named", target.primary_id)
        branches.append(
            f"WHEN ? THEN (SELECT {name} FROM {identifier(target_name)} AS named "
            f"WHERE {key} = {lookup})"
        )
        params.append(target_name)

    output = identifier(lookup_name_column(column.logical_name))

    if not branches:
        return Fragment(f"NULL AS {output}")

    kind = column_ref(alias, type_column(column.logical_name))
    return Fragment(f"CASE {kind} {' '.join(branches)} END AS {output}", params)
