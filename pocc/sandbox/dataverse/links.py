"""Links between rows: `$ref` associate and disassociate, and cascades on delete.

An N:N link is a row of the relationship's intersect table; a 1:N link is the
child's lookup. Associating needs the privileges Microsoft lists for the Associate
message: Write and Append on the row that gains the link, AppendTo on the other.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pocc.sandbox.dataverse import errors, security
from pocc.sandbox.dataverse.changes import collection_valued, single_valued
from pocc.sandbox.dataverse.model import ManyToMany, OneToMany, Table
from pocc.sandbox.dataverse.references import Reference
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.dataverse.store import (
    VERSION_COLUMN,
    intersect_table_name,
    quote,
    type_column,
)

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)


def intersect_columns(relationship: ManyToMany, table: Table) -> tuple[str, str]:
    """(column holding `table`'s id, column holding the partner's id)."""
    if relationship.table1 == table.logical_name:
        return relationship.intersect_column1, relationship.intersect_column2

    return relationship.intersect_column2, relationship.intersect_column1


def partner_table(relationship: ManyToMany, table: Table) -> str:
    if relationship.table1 == table.logical_name:
        return relationship.table2

    return relationship.table1


def associate(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    navigation: str,
    target: Reference,
) -> None:
    """`POST <set>(<id>)/<collection navigation>/$ref` (or a collection bind)."""
    relationship = collection_valued(organization, table, navigation)

    if relationship is None:
        single = single_valued(organization, table, navigation)

        if single is None:
            raise errors.resource_not_found(navigation)

        set_lookup(organization, caller, table, record_id, single, target)
        return

    if isinstance(relationship, OneToMany):
        child_table = organization.schema.tables[relationship.referencing_table]

        if target.table.logical_name != child_table.logical_name:
            raise _wrong_target(navigation, child_table.logical_name)

        set_lookup(
            organization,
            caller,
            child_table,
            target.record_id,
            relationship,
            Reference(table, record_id),
        )
        return

    _associate_many(organization, caller, table, record_id, relationship, target)


def _associate_many(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    relationship: ManyToMany,
    target: Reference,
) -> None:
    if target.table.logical_name != partner_table(relationship, table):
        raise _wrong_target(
            relationship.schema_name, partner_table(relationship, table)
        )

    first, second = _ordered(organization, relationship, table, record_id, target)
    security.require(caller, first.table, security.WRITE)
    security.require_link(caller, first.table, second.table)

    database = organization.database
    own, other = intersect_columns(relationship, table)
    name = quote(intersect_table_name(relationship.schema_name))

    with database.write() as connection:
        _require_exists(organization, table, record_id)
        existing = connection.execute(
            f"SELECT 1 FROM {name} WHERE {quote(own)} = ? AND {quote(other)} = ?",
            (record_id, target.record_id),
        ).fetchone()

        if existing is not None:
            # Dataverse answers a repeated N:N link with its duplicate-key error.
            raise errors.duplicate_record()

        connection.execute(
            f"INSERT INTO {name} ({quote(own)}, {quote(other)}) VALUES (?, ?)",
            (record_id, target.record_id),
        )

    logger.debug(
        "linked %s %s via %s", table.logical_name, record_id, relationship.schema_name
    )


def _ordered(
    organization: Organization,
    relationship: ManyToMany,
    table: Table,
    record_id: str,
    target: Reference,
) -> tuple[Reference, Reference]:
    """The two rows as (entity 1, entity 2) of the relationship."""
    own = Reference(table, record_id)

    if relationship.table1 == table.logical_name:
        return own, target

    return target, own


def set_lookup(
    organization: Organization,
    caller: Caller,
    child_table: Table,
    child_id: str,
    relationship: OneToMany,
    parent: Reference,
) -> None:
    """Point a child's lookup at a parent (`PUT .../<lookup>/$ref`, 1:N associate)."""
    if parent.table.logical_name != relationship.referenced_table:
        raise _wrong_target(
            relationship.referencing_navigation, relationship.referenced_table
        )

    security.require(caller, child_table, security.WRITE)
    security.require_link(caller, child_table, parent.table)
    _write_lookup(
        organization, child_table, child_id, relationship.referencing_column, parent
    )


def clear_lookup(
    organization: Organization,
    caller: Caller,
    child_table: Table,
    child_id: str,
    relationship: OneToMany,
) -> None:
    security.require(caller, child_table, security.WRITE)
    _write_lookup(
        organization, child_table, child_id, relationship.referencing_column, None
    )


def _write_lookup(
    organization: Organization,
    table: Table,
    record_id: str,
    column: str,
    target: Reference | None,
) -> None:
    database = organization.database

    with database.write():
        _require_exists(organization, table, record_id)
        values = {
            column: None if target is None else target.record_id,
            type_column(column): None if target is None else target.table.logical_name,
            VERSION_COLUMN: database.next_version(),
        }

        if "modifiedon" in table.columns:
            values["modifiedon"] = organization.now()

        database.update(table, record_id, values)


def disassociate(
    organization: Organization,
    caller: Caller,
    table: Table,
    record_id: str,
    navigation: str,
    target: Reference | None,
) -> None:
    """`DELETE <set>(<id>)/<navigation>/$ref[?$id=...]` or `.../<nav>(<id>)/$ref`."""
    single = single_valued(organization, table, navigation)

    if single is not None:
        clear_lookup(organization, caller, table, record_id, single)
        return

    relationship = collection_valued(organization, table, navigation)

    if relationship is None:
        raise errors.resource_not_found(navigation)

    if target is None:
        raise errors.bad_request("The $id query option is required to remove a link.")

    if isinstance(relationship, OneToMany):
        child_table = organization.schema.tables[relationship.referencing_table]
        clear_lookup(organization, caller, child_table, target.record_id, relationship)
        return

    first, second = _ordered(organization, relationship, table, record_id, target)
    security.require(caller, first.table, security.WRITE)
    security.require_link(caller, first.table, second.table)
    own, other = intersect_columns(relationship, table)
    name = quote(intersect_table_name(relationship.schema_name))

    with organization.database.write() as connection:
        connection.execute(
            f"DELETE FROM {name} WHERE {quote(own)} = ? AND {quote(other)} = ?",
            (record_id, target.record_id),
        )


def delete_with_cascade(
    organization: Organization, table: Table, record_id: str
) -> None:
    """Delete a row and apply each 1:N relationship's cascade to its children.

    `Cascade` deletes the children, `RemoveLink` clears their lookup, `Restrict`
    refuses while children exist. N:N links of the row go with it.
    """
    database = organization.database
    schema = organization.schema

    for relationship in schema.one_to_many.values():
        if relationship.referenced_table != table.logical_name:
            continue

        child_table = schema.tables.get(relationship.referencing_table)

        if child_table is None:
            continue

        _cascade(organization, relationship, child_table, table, record_id)

    for relationship in schema.many_to_many.values():
        if table.logical_name not in (relationship.table1, relationship.table2):
            continue

        name = quote(intersect_table_name(relationship.schema_name))
        own, _ = intersect_columns(relationship, table)
        database.connection().execute(
            f"DELETE FROM {name} WHERE {quote(own)} = ?", (record_id,)
        )

    database.delete(table, record_id)


def _cascade(
    organization: Organization,
    relationship: OneToMany,
    child_table: Table,
    parent_table: Table,
    parent_id: str,
) -> None:
    database = organization.database
    column = relationship.referencing_column
    kind = quote(type_column(column))
    children = database.query(
        f"SELECT {quote(child_table.primary_id)} AS id FROM "
        f"{quote(child_table.logical_name)} WHERE {quote(column)} = ? "
        f"AND ({kind} = ? OR {kind} IS NULL)",
        (parent_id, parent_table.logical_name),
    )

    if not children:
        return

    behaviour = relationship.cascade_delete

    if behaviour == "Restrict":
        raise errors.DataverseError(
            400,
            errors.CANNOT_DELETE_DUE_TO_ASSOCIATION,
            "The object you tried to delete is associated with another object and "
            "cannot be deleted.",
        )

    for child in children:
        if behaviour == "Cascade":
            delete_with_cascade(organization, child_table, child["id"])
        else:
            _write_lookup(organization, child_table, child["id"], column, None)


def _require_exists(organization: Organization, table: Table, record_id: str) -> None:
    if organization.database.fetch(table, record_id) is None:
        raise errors.not_found(table.logical_name, record_id)


def _wrong_target(navigation: str, expected_table: str) -> errors.DataverseError:
    return errors.bad_request(
        f"The navigation property '{navigation}' links to '{expected_table}' records."
    )
