"""`$metadata` (CSDL) for a schema, as a pure function.

Clients read `$metadata` to learn entity sets, keys, properties and navigation
properties. `EntityDefinitions` lives in `entity_metadata` (the definitions) and
`metadata_requests` (the requests). Nothing here touches storage.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from pocc.sandbox.dataverse.edm import edm_type
from pocc.sandbox.dataverse.model import Column, Schema, Table

NAMESPACE = "Microsoft.Dynamics.CRM"
EDMX_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edm"


def csdl(schema: Schema) -> str:
    """The `$metadata` document: types, keys, properties, navigation, entity sets."""
    ElementTree.register_namespace("edmx", EDMX_NAMESPACE)
    edmx = ElementTree.Element(f"{{{EDMX_NAMESPACE}}}Edmx", Version="4.0")
    services = ElementTree.SubElement(edmx, f"{{{EDMX_NAMESPACE}}}DataServices")
    edm = ElementTree.SubElement(
        services, "Schema", xmlns=EDM_NAMESPACE, Namespace=NAMESPACE, Alias="mscrm"
    )

    for table in schema.tables.values():
        _entity_type(edm, table, schema)

    container = ElementTree.SubElement(edm, "EntityContainer", Name="System")

    for table in schema.tables.values():
        ElementTree.SubElement(
            container,
            "EntitySet",
            Name=table.entity_set,
            EntityType=f"mscrm.{table.logical_name}",
        )

    ElementTree.indent(edmx, space="  ")

    return ElementTree.tostring(edmx, encoding="unicode", xml_declaration=True)


def _entity_type(edm: ElementTree.Element, table: Table, schema: Schema) -> None:
    entity_type = ElementTree.SubElement(edm, "EntityType", Name=table.logical_name)
    key = ElementTree.SubElement(entity_type, "Key")
    ElementTree.SubElement(key, "PropertyRef", Name=table.primary_id)

    for column in table.columns.values():
        ElementTree.SubElement(
            entity_type, "Property", Name=property_name(column), Type=edm_type(column)
        )

    for name, target, partner, is_collection in _navigation_properties(table, schema):
        type_name = (
            f"Collection(mscrm.{target})" if is_collection else f"mscrm.{target}"
        )
        ElementTree.SubElement(
            entity_type,
            "NavigationProperty",
            Name=name,
            Type=type_name,
            Partner=partner,
        )


def property_name(column: Column) -> str:
    """The Web API property of a column: lookups are read as `_<name>_value`."""
    if column.is_lookup:
        return f"_{column.logical_name}_value"

    return column.logical_name


def _navigation_properties(
    table: Table, schema: Schema
) -> list[tuple[str, str, str, bool]]:
    """(name, target table, partner, is collection) for every navigation of a table."""
    found = []

    for relationship in schema.one_to_many.values():
        if relationship.referencing_table == table.logical_name:
            found.append(
                (
                    relationship.referencing_navigation,
                    relationship.referenced_table,
                    relationship.referenced_navigation,
                    False,
                )
            )

        if relationship.referenced_table == table.logical_name:
            found.append(
                (
                    relationship.referenced_navigation,
                    relationship.referencing_table,
                    relationship.referencing_navigation,
                    True,
                )
            )

    for relationship in schema.many_to_many.values():
        if relationship.table1 == table.logical_name:
            found.append(
                (
                    relationship.navigation1,
                    relationship.table2,
                    relationship.navigation2,
                    True,
                )
            )

        if (
            relationship.table2 == table.logical_name
            and relationship.table1 != table.logical_name
        ):
            found.append(
                (
                    relationship.navigation2,
                    relationship.table1,
                    relationship.navigation1,
                    True,
                )
            )

    # A self-referencing N:N gives the same name twice; a type declares it once.
    unique: dict[str, tuple[str, str, str, bool]] = {}

    for navigation in found:
        unique.setdefault(navigation[0], navigation)

    return list(unique.values())
