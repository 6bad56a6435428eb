"""The standard Dataverse tables pocc uses, read from `standard_tables.json`.

The data file follows Dataverse's real logical names, schema names, entity sets, types
and choice values; this module only turns it into schema objects. System columns that
every table has (createdon, ownerid, versionnumber, ...) are not listed there:
`schema_loader` adds them to standard and solution tables alike.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pocc.sandbox.dataverse.model import (
    LOGICAL_NAME,
    AttributeType,
    Choice,
    Column,
    ManyToMany,
    OneToMany,
    Role,
    Schema,
    Table,
)

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).with_name("standard_tables.json")

# Dataverse's built-in System Administrator role has the same id in every organisation.
SYSTEM_ADMINISTRATOR_ROLE_ID = "627090ff-40a3-4053-8790-584edc5be201"


def load_standard_tables(data_file: Path = DATA_FILE) -> Schema:
    """Tables, relationships and System Administrator of a fresh organisation."""
    document = json.loads(data_file.read_text(encoding="utf-8"))
    schema = Schema()

    for entry in document["tables"]:
        table = _table(entry)
        schema.tables[table.logical_name] = table

    for entry in document["one_to_many"]:
        relationship = _one_to_many(entry, schema)
        schema.one_to_many[relationship.schema_name] = relationship

    for entry in document["many_to_many"]:
        relationship = ManyToMany(**entry)
        schema.many_to_many[relationship.schema_name] = relationship

    schema.roles[SYSTEM_ADMINISTRATOR_ROLE_ID] = system_administrator()
    logger.debug("loaded %s standard tables", len(schema.tables))

    return schema


def system_administrator() -> Role:
    """The built-in role that grants every privilege."""
    return Role(
        role_id=SYSTEM_ADMINISTRATOR_ROLE_ID,
        name="System Administrator",
        privileges={},
        is_system_administrator=True,
    )


def _table(entry: dict[str, Any]) -> Table:
    logical = entry["logical_name"]

    if not LOGICAL_NAME.match(logical):
        raise ValueError(f"standard table {logical!r} has an invalid logical name")

    columns = [_column(column) for column in entry["columns"]]

    return Table(
        logical_name=logical,
        schema_name=entry["schema_name"],
        entity_set=entry["entity_set"],
        primary_id=entry["primary_id"],
        primary_name=entry["primary_name"],
        display_name=entry["display_name"],
        collection_display_name=entry["collection_display_name"],
        ownership=entry["ownership"],
        is_activity=entry.get("is_activity", False),
        object_type_code=entry.get("object_type_code"),
        privilege_name=entry.get("privilege_name"),
        columns={column.logical_name: column for column in columns},
    )


def _column(entry: dict[str, Any]) -> Column:
    name = entry["name"]

    if not LOGICAL_NAME.match(name):
        raise ValueError(f"standard column {name!r} has an invalid logical name")

    kind = AttributeType(entry["type"])

    return Column(
        logical_name=name,
        schema_name=entry["schema"],
        type=kind,
        display_name=entry["label"],
        required_level=entry.get("required_level", "None"),
        max_length=entry.get("max_length"),
        min_value=entry.get("min_value"),
        max_value=entry.get("max_value"),
        choices=tuple(_choice(kind, option) for option in entry.get("choices", [])),
        targets=tuple(entry.get("targets", [])),
        datetime_behavior=entry.get("datetime_behavior"),
        format=entry.get("format"),
        valid_for_create=entry.get("create", True),
        valid_for_update=entry.get("update", True),
    )


def _choice(kind: AttributeType, option: list) -> Choice:
    # State options carry [value, label, default status, invariant name]; status
    # options [value, label, state]; other choices [value, label].
    if kind is AttributeType.STATE:
        value, label, default_status, invariant_name = option
        return Choice(
            value, label, default_status=default_status, invariant_name=invariant_name
        )

    if kind is AttributeType.STATUS:
        value, label, state = option
        return Choice(value, label, state=state)

    value, label = option
    return Choice(value, label)


def _one_to_many(entry: dict[str, Any], schema: Schema) -> OneToMany:
    referenced = schema.tables[entry["referenced_table"]]

    return OneToMany(referenced_column=referenced.primary_id, **entry)
