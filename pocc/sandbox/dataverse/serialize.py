"""One stored row as Dataverse's JSON: `@odata.etag`, `_x_value` lookups, annotations.

Values come back as storage keeps them (contract in sandbox-internals.md) and leave
as OData JSON: booleans as true/false, date-times as UTC `...Z` text, GUIDs
lower-case. The primary key is always present, whatever `$select` says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pocc.sandbox.dataverse.formatting import formatted_value
from pocc.sandbox.dataverse.model import AttributeType, Column, Schema, Table
from pocc.sandbox.dataverse.preferences import (
    ASSOCIATED_NAVIGATION_PROPERTY,
    FORMATTED_VALUE,
    LOOKUP_LOGICAL_NAME,
    Preferences,
)
from pocc.sandbox.dataverse.relations import lookup_navigation
from pocc.sandbox.dataverse.store import VERSION_COLUMN, type_column

REAL_TYPES = frozenset(
    {AttributeType.DECIMAL, AttributeType.DOUBLE, AttributeType.MONEY}
)
WHOLE_TYPES = frozenset(
    {
        AttributeType.INTEGER,
        AttributeType.BIGINT,
        AttributeType.PICKLIST,
        AttributeType.STATE,
        AttributeType.STATUS,
    }
)


def lookup_name_column(lookup_column: str) -> str:
    """The extra result column a query adds for a lookup target's primary name."""
    return f"{lookup_column}__name"


def property_name(column: Column) -> str:
    return f"_{column.logical_name}_value" if column.is_lookup else column.logical_name


def etag(row: Mapping[str, Any]) -> str:
    return f'W/"{row[VERSION_COLUMN]}"'


def json_value(column: Column, value: Any) -> Any:
    if value is None:
        return None

    if column.type == AttributeType.BOOLEAN:
        return bool(value)

    if column.type in REAL_TYPES:
        return float(value)

    if column.type in WHOLE_TYPES:
        return int(value)

    return value


def selected_columns(table: Table, select: Iterable[Column] | None) -> list[Column]:
    """The columns a response shows: those selected (all readable ones without
    `$select`), with the primary key always among them."""
    if select is None:
        columns = [column for column in table.columns.values() if column.valid_for_read]
    else:
        columns = list(select)

    primary = table.column(table.primary_id)

    if primary is not None and primary not in columns:
        columns.insert(0, primary)

    return columns


def record(
    table: Table,
    row: Mapping[str, Any],
    select: Iterable[Column] | None,
    prefer: Preferences,
    schema: Schema | None = None,
) -> dict:
    """A row as an OData entity. `schema` lets lookups name their navigation."""
    body: dict[str, Any] = {"@odata.etag": etag(row)}

    for column in selected_columns(table, select):
        name = property_name(column)
        value = row.get(column.logical_name)
        body.update(annotations(table, column, row, prefer, schema))
        body[name] = json_value(column, value)

    body.setdefault(table.primary_id, row.get(table.primary_id))
    return body


def annotations(
    table: Table,
    column: Column,
    row: Mapping[str, Any],
    prefer: Preferences,
    schema: Schema | None,
) -> dict[str, Any]:
    """The annotations of one property, before it, in Dataverse's order."""
    value = row.get(column.logical_name)
    name = property_name(column)
    result: dict[str, Any] = {}

    if value is None:
        return result

    if prefer.wants(FORMATTED_VALUE):
        text = formatted_value(
            column, value, row.get(lookup_name_column(column.logical_name))
        )

        if text is not None:
            result[f"{name}@{FORMATTED_VALUE}"] = text

    if column.is_lookup:
        target = row.get(type_column(column.logical_name)) or _only_target(column)

        if prefer.wants(ASSOCIATED_NAVIGATION_PROPERTY):
            navigation = _navigation(schema, table, column, target)
            result[f"{name}@{ASSOCIATED_NAVIGATION_PROPERTY}"] = navigation

        if prefer.wants(LOOKUP_LOGICAL_NAME):
            result[f"{name}@{LOOKUP_LOGICAL_NAME}"] = target

    return result


def _only_target(column: Column) -> str | None:
    return column.targets[0] if len(column.targets) == 1 else None


def _navigation(
    schema: Schema | None, table: Table, column: Column, target: str | None
) -> str:
    if schema is not None and target is not None:
        found = lookup_navigation(schema, table, column.logical_name, target)

        if found is not None:
            return found

    if len(column.targets) > 1 and target is not None:
        return f"{column.logical_name}_{target}"

    return column.logical_name
