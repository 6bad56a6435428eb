"""`$metadata` (CSDL) and `EntityDefinitions` for a schema, as pure functions.

Clients read `$metadata` to learn entity sets, keys, properties and navigation
properties, and `EntityDefinitions` to learn a table's names and columns. The
blueprint calls these; they never touch storage.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from typing import Any

from pocc.sandbox.dataverse.errors import (
    OBJECT_DOES_NOT_EXIST,
    DataverseError,
    query_syntax,
)
from pocc.sandbox.dataverse.model import AttributeType, Column, Schema, Table

NAMESPACE = "Microsoft.Dynamics.CRM"
EDMX_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edm"
ENGLISH = 1033

EDM_TYPES = {
    AttributeType.UNIQUEIDENTIFIER: "Edm.Guid",
    AttributeType.STRING: "Edm.String",
    AttributeType.MEMO: "Edm.String",
    AttributeType.ENTITYNAME: "Edm.String",
    AttributeType.INTEGER: "Edm.Int32",
    AttributeType.PICKLIST: "Edm.Int32",
    AttributeType.STATE: "Edm.Int32",
    AttributeType.STATUS: "Edm.Int32",
    AttributeType.BIGINT: "Edm.Int64",
    AttributeType.DECIMAL: "Edm.Decimal",
    AttributeType.MONEY: "Edm.Decimal",
    AttributeType.DOUBLE: "Edm.Double",
    AttributeType.BOOLEAN: "Edm.Boolean",
    AttributeType.DATETIME: "Edm.DateTimeOffset",
    AttributeType.LOOKUP: "Edm.Guid",
    AttributeType.CUSTOMER: "Edm.Guid",
    AttributeType.OWNER: "Edm.Guid",
}

# AttributeMetadata subtypes, as `@odata.type` names them.
METADATA_TYPES = {
    AttributeType.UNIQUEIDENTIFIER: "UniqueIdentifierAttributeMetadata",
    AttributeType.STRING: "StringAttributeMetadata",
    AttributeType.MEMO: "MemoAttributeMetadata",
    AttributeType.ENTITYNAME: "EntityNameAttributeMetadata",
    AttributeType.INTEGER: "IntegerAttributeMetadata",
    AttributeType.BIGINT: "BigIntAttributeMetadata",
    AttributeType.DECIMAL: "DecimalAttributeMetadata",
    AttributeType.DOUBLE: "DoubleAttributeMetadata",
    AttributeType.MONEY: "MoneyAttributeMetadata",
    AttributeType.BOOLEAN: "BooleanAttributeMetadata",
    AttributeType.DATETIME: "DateTimeAttributeMetadata",
    AttributeType.PICKLIST: "PicklistAttributeMetadata",
    AttributeType.STATE: "StateAttributeMetadata",
    AttributeType.STATUS: "StatusAttributeMetadata",
    AttributeType.LOOKUP: "LookupAttributeMetadata",
    AttributeType.CUSTOMER: "LookupAttributeMetadata",
    AttributeType.OWNER: "LookupAttributeMetadata",
}

# Columns the platform fills and requires: EntityDefinitions says SystemRequired.
SYSTEM_REQUIRED = frozenset(
    {"statecode", "ownerid", "owningbusinessunit", "organizationid"}
)

# Custom tables get object type codes from 10000 up, in creation order.
FIRST_CUSTOM_OBJECT_TYPE_CODE = 10000


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
            entity_type, "Property", Name=property_name(column), Type=_edm_type(column)
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


def _edm_type(column: Column) -> str:
    if column.type is AttributeType.DATETIME and column.datetime_behavior == "DateOnly":
        return "Edm.Date"

    return EDM_TYPES[column.type]


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


def entity_definitions(
    schema: Schema,
    service_root: str,
    logical_name: str | None = None,
    select: list[str] | None = None,
    expand_attributes: bool = False,
) -> dict[str, Any]:
    """`EntityDefinitions`, or `EntityDefinitions(LogicalName='x')` for one name."""
    if logical_name is None:
        rows = [
            _entity(table, schema, select, expand_attributes)
            for table in schema.tables.values()
        ]
        return {
            "@odata.context": f"{service_root}$metadata#EntityDefinitions",
            "value": rows,
        }

    table = _table(schema, logical_name)
    row = _entity(table, schema, select, expand_attributes)
    context = f"{service_root}$metadata#EntityDefinitions/$entity"

    return {"@odata.context": context, **row}


def attribute_definitions(
    schema: Schema,
    service_root: str,
    logical_name: str,
    select: list[str] | None = None,
) -> dict[str, Any]:
    """`EntityDefinitions(LogicalName='x')/Attributes`."""
    table = _table(schema, logical_name)
    context = (
        f"{service_root}$metadata#EntityDefinitions('{table.logical_name}')/Attributes"
    )
    rows = [
        _select(_attribute(table, column), select) for column in table.columns.values()
    ]

    return {"@odata.context": context, "value": rows}


def _table(schema: Schema, logical_name: str) -> Table:
    table = schema.table(logical_name)

    if table is None:
        message = f"Could not find entity with logical name '{logical_name}'."
        raise DataverseError(404, OBJECT_DOES_NOT_EXIST, message)

    return table


def _entity(
    table: Table, schema: Schema, select: list[str] | None, expand_attributes: bool
) -> dict[str, Any]:
    entity = {
        "MetadataId": _metadata_id(table.logical_name),
        "LogicalName": table.logical_name,
        "SchemaName": table.schema_name,
        "EntitySetName": table.entity_set,
        "LogicalCollectionName": table.entity_set,
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name or None,
        "ObjectTypeCode": _object_type_code(table, schema),
        "IsCustomEntity": table.is_custom,
        "IsActivity": table.is_activity,
        "IsIntersect": table.ownership == "None" and not table.primary_name,
        "OwnershipType": table.ownership,
        "IsOptimisticConcurrencyEnabled": True,
        "DisplayName": _label(table.display_name),
        "DisplayCollectionName": _label(table.collection_display_name),
        "Description": _label(table.description),
        "Keys": [
            {
                "MetadataId": _metadata_id(f"{table.logical_name}.{key.logical_name}"),
                "LogicalName": key.logical_name,
                "SchemaName": key.schema_name,
                "EntityLogicalName": table.logical_name,
                "KeyAttributes": list(key.columns),
                "EntityKeyIndexStatus": "Active",
                "DisplayName": _label(key.display_name),
            }
            for key in table.keys
        ],
    }
    selected = _select(entity, select)

    if expand_attributes:
        selected["Attributes"] = [
            _attribute(table, column) for column in table.columns.values()
        ]

    return selected


def _attribute(table: Table, column: Column) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "@odata.type": f"#{NAMESPACE}.{METADATA_TYPES[column.type]}",
        "MetadataId": _metadata_id(f"{table.logical_name}.{column.logical_name}"),
        "LogicalName": column.logical_name,
        "SchemaName": column.schema_name,
        "EntityLogicalName": table.logical_name,
        "AttributeType": column.type.value,
        "AttributeTypeName": {"Value": f"{column.type.value}Type"},
        "DisplayName": _label(column.display_name),
        "Description": _label(column.description),
        "RequiredLevel": {
            "Value": _required_level(table, column),
            "CanBeChanged": column.is_custom,
            "ManagedPropertyLogicalName": "canmodifyrequirementsettings",
        },
        "IsCustomAttribute": column.is_custom,
        "IsPrimaryId": column.logical_name == table.primary_id,
        "IsPrimaryName": column.logical_name == table.primary_name,
        "IsSecured": column.is_secured,
        "IsValidForCreate": column.valid_for_create,
        "IsValidForUpdate": column.valid_for_update,
        "IsValidForRead": column.valid_for_read,
    }
    attribute.update(_type_details(column))

    return attribute


def _type_details(column: Column) -> dict[str, Any]:
    if column.type in (AttributeType.STRING, AttributeType.MEMO):
        return {"MaxLength": column.max_length, "Format": column.format}

    if column.is_lookup:
        return {"Targets": list(column.targets)}

    if column.type is AttributeType.DATETIME:
        return {
            "DateTimeBehavior": {"Value": column.datetime_behavior or "UserLocal"},
            "Format": column.format or "DateAndTime",
        }

    if column.type in (AttributeType.INTEGER, AttributeType.BIGINT):
        return {"MinValue": column.min_value, "MaxValue": column.max_value}

    if column.type in (
        AttributeType.DECIMAL,
        AttributeType.DOUBLE,
        AttributeType.MONEY,
    ):
        return {
            "MinValue": column.min_value,
            "MaxValue": column.max_value,
            "Precision": column.precision,
        }

    return {}


def _required_level(table: Table, column: Column) -> str:
    if (
        column.logical_name == table.primary_id
        or column.logical_name in SYSTEM_REQUIRED
    ):
        return "SystemRequired"

    return "ApplicationRequired" if column.required else "None"


def _select(row: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    # $select on metadata names top-level properties; MetadataId always comes back,
    # and an unknown name is refused as Dataverse refuses it.
    if not select:
        return row

    unknown = [name for name in select if name not in row]

    if unknown:
        raise query_syntax(
            f"Could not find a property named '{unknown[0]}' on type "
            f"'{NAMESPACE}.EntityMetadata'."
        )

    kept = {"@odata.type", "MetadataId", *select}

    return {name: value for name, value in row.items() if name in kept}


def _label(text: str) -> dict[str, Any]:
    if not text:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}

    label = {"Label": text, "LanguageCode": ENGLISH, "IsManaged": False}

    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


def _metadata_id(name: str) -> str:
    # Stable across restarts, so clients that cache MetadataId keep working.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pocc-sandbox-metadata:{name}"))


def _object_type_code(table: Table, schema: Schema) -> int:
    if table.object_type_code is not None:
        return table.object_type_code

    custom = sorted(
        name for name, other in schema.tables.items() if other.object_type_code is None
    )

    return FIRST_CUSTOM_OBJECT_TYPE_CODE + custom.index(table.logical_name)
