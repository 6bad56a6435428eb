"""Table and column metadata the shell's pages need, from the organisation's schema.

The browser side renders grids and forms and binds lookups; for that it needs each
table's entity set, primary id and name, and for each column its label, type,
choices and, for a lookup, the navigation property `@odata.bind` must name. Real D365
reads the same facts from EntityDefinitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pocc.sandbox.dataverse.model import Column, Schema, Table


def tables_json(schema: Schema, names: Iterable[str]) -> dict[str, Any]:
    """Full metadata of the named tables, plus the short form of every other table."""
    wanted = {name for name in names if schema.table(name) is not None}
    found: dict[str, Any] = {}

    for table in schema.tables.values():
        summary = _summary(table)

        if table.logical_name in wanted:
            summary["columns"] = {
                name: _column(schema, table, column)
                for name, column in table.columns.items()
            }

        found[table.logical_name] = summary

    return found


def _summary(table: Table) -> dict[str, Any]:
    return {
        "logicalName": table.logical_name,
        "entitySet": table.entity_set,
        "primaryId": table.primary_id,
        "primaryName": table.primary_name,
        "displayName": table.display_name or table.logical_name,
        "collectionName": table.collection_display_name
        or table.display_name
        or table.logical_name,
    }


def _column(schema: Schema, table: Table, column: Column) -> dict[str, Any]:
    found: dict[str, Any] = {
        "label": column.display_name or column.logical_name,
        "type": str(column.type),
        "secured": column.is_secured,
        "required": column.required_level,
        "maxLength": column.max_length,
    }

    if column.choices:
        found["choices"] = [[choice.value, choice.label] for choice in column.choices]

    if column.is_lookup:
        found["targets"] = list(column.targets)
        found["navigation"] = _navigation(schema, table, column)

    return found


def _navigation(schema: Schema, table: Table, column: Column) -> str:
    """The single-valued navigation property of a lookup, as `@odata.bind` names it."""
    for relationship in schema.one_to_many.values():
        if (
            relationship.referencing_table == table.logical_name
            and relationship.referencing_column == column.logical_name
        ):
            return relationship.referencing_navigation

    return column.schema_name


def relationship_column(schema: Schema, relationship_name: str) -> str:
    """The lookup column a sub-grid's relationship filters its rows by ("" if none)."""
    relationship = schema.one_to_many.get(relationship_name)

    if relationship is None:
        lowered = relationship_name.lower()
        relationship = next(
            (
                found
                for name, found in schema.one_to_many.items()
                if name.lower() == lowered
            ),
            None,
        )

    return relationship.referencing_column if relationship else ""
