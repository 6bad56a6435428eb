"""Navigation properties: how a row reaches the rows related to it.

A navigation property is one of three things (notes 2.6): the single-valued side of
a 1:N relationship (a lookup, `primarycontactid`), its collection-valued side
(`contact_customer_accounts`), or either side of an N:N relationship
(`listcontact_association`, kept in its `nn_...` intersect table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.model import ManyToMany, OneToMany, Schema, Table
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref, identifier
from pocc.sandbox.dataverse.store import intersect_table_name, type_column

LOOKUP = "lookup"
ONE_TO_MANY = "one_to_many"
MANY_TO_MANY = "many_to_many"

# The column alias that carries, on each related row, the id of the row it belongs to.
PARENT_KEY = "parent_key__"


@dataclass(frozen=True)
class Navigation:
    name: str
    kind: str
    source: Table
    target: Table
    relationship: OneToMany | ManyToMany

    @property
    def is_collection(self) -> bool:
        return self.kind != LOOKUP

    def related_rows(self, alias: str, parent_ids: Sequence[str]) -> RelatedRows:
        """How to pick the target rows of `parent_ids`, each with its parent's id."""
        marks = ", ".join("?" for _ in parent_ids)
        target = identifier(self.target.logical_name)
        relationship = self.relationship

        if isinstance(relationship, ManyToMany):
            own, other = _intersect_columns(relationship, self.source, self.name)
            intersect = identifier(intersect_table_name(relationship.schema_name))
            source = (
                f"{target} AS {alias} JOIN {intersect} AS link ON "
                f"{column_ref('link', other)} = "
                f"{column_ref(alias, self.target.primary_id)}"
            )
            parent = column_ref("link", own)
            condition = Fragment(f"{parent} IN ({marks})", list(parent_ids))
            return RelatedRows(source, parent, condition)

        if self.kind == LOOKUP:
            raise ValueError("a lookup's row is read through its lookup column")

        column = relationship.referencing_column
        parent = column_ref(alias, column)
        condition = Fragment(
            f"{parent} IN ({marks}) AND {column_ref(alias, type_column(column))} = ?",
            [*parent_ids, self.source.logical_name],
        )
        return RelatedRows(f"{target} AS {alias}", parent, condition)


@dataclass(frozen=True)
class RelatedRows:
    """FROM text, the expression of each row's parent id, and the condition."""

    source: str
    parent: str
    condition: Fragment


def _intersect_columns(
    relationship: ManyToMany, source: Table, name: str
) -> tuple[str, str]:
    """(column holding the source row's id, column holding the target row's id)."""
    if relationship.table1 == source.logical_name and relationship.navigation1 == name:
        return relationship.intersect_column1, relationship.intersect_column2

    return relationship.intersect_column2, relationship.intersect_column1


def resolve_navigation(schema: Schema, table: Table, name: str) -> Navigation:
    """The navigation property `name` of `table`; unknown names are refused."""
    for relationship in schema.one_to_many.values():
        if (
            relationship.referencing_table == table.logical_name
            and relationship.referencing_navigation == name
        ):
            return _navigation(
                schema, table, name, LOOKUP, relationship.referenced_table, relationship
            )

        if (
            relationship.referenced_table == table.logical_name
            and relationship.referenced_navigation == name
        ):
            return _navigation(
                schema,
                table,
                name,
                ONE_TO_MANY,
                relationship.referencing_table,
                relationship,
            )

    for many in schema.many_to_many.values():
        if many.table1 == table.logical_name and many.navigation1 == name:
            return _navigation(schema, table, name, MANY_TO_MANY, many.table2, many)

        if many.table2 == table.logical_name and many.navigation2 == name:
            return _navigation(schema, table, name, MANY_TO_MANY, many.table1, many)

    raise errors.unknown_property(table.logical_name, name)


def _navigation(
    schema: Schema,
    table: Table,
    name: str,
    kind: str,
    target_name: str,
    relationship: OneToMany | ManyToMany,
) -> Navigation:
    target = schema.table(target_name)

    if target is None:
        raise errors.unknown_property(table.logical_name, name)

    return Navigation(name, kind, table, target, relationship)


def lookup_navigation(
    schema: Schema, table: Table, column: str, target: str
) -> str | None:
    """The single-valued navigation property a lookup value reaches its target by."""
    for relationship in schema.one_to_many.values():
        if (
            relationship.referencing_table == table.logical_name
            and relationship.referencing_column == column
            and relationship.referenced_table == target
        ):
            return relationship.referencing_navigation

    return None
