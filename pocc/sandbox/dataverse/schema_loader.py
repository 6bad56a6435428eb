"""One organisation's schema: the standard tables merged with the solution.

`load_schema` is what the sandbox calls at start. It takes the standard tables from
`standard_tables`, adds the solution's own tables, the columns the solution adds to
standard tables, its relationships and roles, then gives every table the system
columns Dataverse keeps on every row (versionnumber, createdon, ownerid, ...) that a
solution export does not spell out for standard tables.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from pathlib import Path

from pocc.sandbox.dataverse.model import (
    AttributeType,
    Column,
    OneToMany,
    Schema,
    Table,
)
from pocc.sandbox.dataverse.solution_columns import OWNER_TARGETS
from pocc.sandbox.dataverse.solution_reader import SolutionContents, read_solution
from pocc.sandbox.dataverse.standard_tables import load_standard_tables

logger = logging.getLogger(__name__)


class SchemaError(Exception):
    """The solution and the standard tables do not fit together."""


def load_schema(solution_dir: Path) -> Schema:
    """Every table, relationship and role of an organisation with the solution."""
    schema = load_standard_tables()
    contents = read_solution(solution_dir)

    _add_tables(schema, contents.tables)
    _add_extensions(schema, contents.extensions)

    for table in schema.tables.values():
        _add_system_columns(table)

    _add_relationships(schema, contents.one_to_many.values())
    schema.many_to_many.update(contents.many_to_many)
    _add_system_relationships(schema)
    _fill_lookup_targets(schema)
    schema.roles.update(contents.roles)
    schema.field_security_profiles.update(contents.field_security_profiles)
    _check(schema)

    logger.info(
        "schema: %s tables, %s relationships, %s roles",
        len(schema.tables),
        len(schema.one_to_many) + len(schema.many_to_many),
        len(schema.roles),
    )

    return schema


def merge_solution(schema: Schema, contents: SolutionContents) -> Schema:
    """A running organisation's schema with an imported solution merged into a copy.

    An import over an installed solution updates it: a table it already holds takes
    the imported definition of every column the import lists and keeps the others
    (an update import removes nothing in Dataverse); new tables, relationships,
    roles and field security profiles are added. The copy leaves the schema other
    organisations share untouched.
    """
    merged = copy.deepcopy(schema)

    for logical_name, table in contents.tables.items():
        existing = merged.tables.get(logical_name)

        if existing is not None and not existing.is_custom:
            raise SchemaError(
                f"the solution redefines the standard table {logical_name}"
            )

        if existing is not None:
            table.columns = {**existing.columns, **table.columns}

        merged.tables[logical_name] = table

    for logical_name, columns in contents.extensions.items():
        table = merged.tables.get(logical_name)

        if table is None:
            raise SchemaError(
                f"the solution adds columns to unknown table {logical_name}"
            )

        table.columns.update({column.logical_name: column for column in columns})

    for table in merged.tables.values():
        _add_system_columns(table)

    _add_relationships(merged, contents.one_to_many.values())
    merged.many_to_many.update(contents.many_to_many)
    _add_system_relationships(merged)
    _fill_lookup_targets(merged)
    merged.roles.update(contents.roles)
    merged.field_security_profiles.update(contents.field_security_profiles)
    _check(merged)

    return merged


def _add_tables(schema: Schema, tables: dict[str, Table]) -> None:
    for logical_name, table in tables.items():
        if logical_name in schema.tables:
            raise SchemaError(
                f"the solution redefines the standard table {logical_name}"
            )

        schema.tables[logical_name] = table


def _add_extensions(schema: Schema, extensions: dict[str, tuple[Column, ...]]) -> None:
    for logical_name, columns in extensions.items():
        table = schema.tables.get(logical_name)

        if table is None:
            raise SchemaError(
                f"the solution adds columns to unknown table {logical_name}"
            )

        for column in columns:
            if column.logical_name in table.columns:
                raise SchemaError(
                    f"{logical_name}.{column.logical_name} already exists"
                )

            table.columns[column.logical_name] = column


def _system_column(
    logical_name: str,
    schema_name: str,
    kind: AttributeType,
    display_name: str,
    targets: tuple[str, ...] = (),
    writable: bool = False,
) -> Column:
    return Column(
        logical_name=logical_name,
        schema_name=schema_name,
        type=kind,
        display_name=display_name,
        targets=targets,
        datetime_behavior="UserLocal" if kind is AttributeType.DATETIME else None,
        format="DateAndTime" if kind is AttributeType.DATETIME else None,
        valid_for_create=writable,
        valid_for_update=writable,
    )


# Columns on every row, whoever owns the table. versionnumber is the row version
# behind the ETag; real exports never list it.
AUDIT_COLUMNS = (
    _system_column(
        "versionnumber", "VersionNumber", AttributeType.BIGINT, "Version Number"
    ),
    _system_column("createdon", "CreatedOn", AttributeType.DATETIME, "Created On"),
    _system_column("modifiedon", "ModifiedOn", AttributeType.DATETIME, "Modified On"),
    _system_column(
        "createdby", "CreatedBy", AttributeType.LOOKUP, "Created By", ("systemuser",)
    ),
    _system_column(
        "modifiedby", "ModifiedBy", AttributeType.LOOKUP, "Modified By", ("systemuser",)
    ),
)

USER_OWNED_COLUMNS = (
    _system_column(
        "ownerid", "OwnerId", AttributeType.OWNER, "Owner", OWNER_TARGETS, True
    ),
    _system_column(
        "owningbusinessunit",
        "OwningBusinessUnit",
        AttributeType.LOOKUP,
        "Owning Business Unit",
        ("businessunit",),
    ),
    _system_column(
        "owninguser", "OwningUser", AttributeType.LOOKUP, "Owning User", ("systemuser",)
    ),
    _system_column(
        "owningteam", "OwningTeam", AttributeType.LOOKUP, "Owning Team", ("team",)
    ),
)

ORGANIZATION_OWNED_COLUMNS = (
    _system_column(
        "organizationid",
        "OrganizationId",
        AttributeType.LOOKUP,
        "Organization Id",
        ("organization",),
    ),
)


def _add_system_columns(table: Table) -> None:
    columns = list(AUDIT_COLUMNS)

    if table.ownership == "UserOwned":
        columns += USER_OWNED_COLUMNS
    elif table.ownership == "OrganizationOwned":
        columns += ORGANIZATION_OWNED_COLUMNS

    for column in columns:
        table.columns.setdefault(column.logical_name, column)


def _add_relationships(schema: Schema, relationships: object) -> None:
    for relationship in relationships:
        referenced = schema.tables.get(relationship.referenced_table)

        if referenced is None or relationship.referencing_table not in schema.tables:
            raise SchemaError(
                f"relationship {relationship.schema_name} names an unknown table"
            )

        # The solution only names the referenced table; its key is that table's own.
        fixed = replace(relationship, referenced_column=referenced.primary_id)
        schema.one_to_many[fixed.schema_name] = fixed


# System lookup -> (referenced table, relationship name pattern). The pattern is the
# one Dataverse uses for tables created today; a few old standard tables carry older
# names (owner_contacts, lk_contactbase_createdby) that pocc never uses.
SYSTEM_LOOKUPS = {
    "createdby": ("systemuser", "lk_{table}_createdby"),
    "modifiedby": ("systemuser", "lk_{table}_modifiedby"),
    "ownerid": ("systemuser", "owner_{table}"),
    "owningbusinessunit": ("businessunit", "business_unit_{table}"),
    "owninguser": ("systemuser", "user_{table}"),
    "owningteam": ("team", "team_{table}"),
    "organizationid": ("organization", "organization_{table}"),
}


def _add_system_relationships(schema: Schema) -> None:
    linked = {
        (relationship.referencing_table, relationship.referencing_column)
        for relationship in schema.one_to_many.values()
    }

    for table in schema.tables.values():
        for column_name, (referenced, pattern) in SYSTEM_LOOKUPS.items():
            if (
                column_name not in table.columns
                or (table.logical_name, column_name) in linked
            ):
                continue

            relationship = _system_relationship(
                schema, table, column_name, referenced, pattern
            )
            schema.one_to_many[relationship.schema_name] = relationship


def _system_relationship(
    schema: Schema,
    table: Table,
    column_name: str,
    referenced: str,
    pattern: str,
) -> OneToMany:
    # Activities suffix their system navigation properties with the table name
    # (createdby_campaignresponse), because activitypointer already uses the bare name.
    navigation = (
        f"{column_name}_{table.logical_name}" if table.is_activity else column_name
    )

    return OneToMany(
        schema_name=pattern.format(table=table.logical_name),
        referenced_table=referenced,
        referenced_column=schema.tables[referenced].primary_id,
        referencing_table=table.logical_name,
        referencing_column=column_name,
        referenced_navigation=pattern.format(table=table.logical_name),
        referencing_navigation=navigation,
        cascade_delete="NoCascade",
    )


def _fill_lookup_targets(schema: Schema) -> None:
    # Custom lookups are exported with an empty <LookupTypes />: their target is the
    # referenced table of the relationship that uses them.
    for relationship in schema.one_to_many.values():
        table = schema.tables[relationship.referencing_table]
        column = table.columns[relationship.referencing_column]

        if not column.targets:
            targets = (relationship.referenced_table,)
            table.columns[column.logical_name] = replace(column, targets=targets)


def _check(schema: Schema) -> None:
    for table in schema.tables.values():
        for key in table.keys:
            missing = [name for name in key.columns if name not in table.columns]

            if missing:
                raise SchemaError(
                    f"key {key.schema_name} names unknown columns {missing}"
                )

        for column in table.columns.values():
            if column.is_lookup and not column.targets:
                raise SchemaError(
                    f"lookup {table.logical_name}.{column.logical_name} "
                    "has no relationship"
                )

            unknown = [
                target for target in column.targets if target not in schema.tables
            ]

            if unknown:
                raise SchemaError(
                    f"{table.logical_name}.{column.logical_name} "
                    f"targets unknown {unknown}"
                )

    for relationship in schema.many_to_many.values():
        if {relationship.table1, relationship.table2} - set(schema.tables):
            raise SchemaError(
                f"relationship {relationship.schema_name} names an unknown table"
            )
