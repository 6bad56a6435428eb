"""Table and column definitions as `EntityDefinitions` reports them, as pure data.

Each function turns a schema object into the JSON object Dataverse's metadata API
returns for it (EntityMetadata, AttributeMetadata, EntityKeyMetadata, OptionSet).
`metadata_requests` picks, filters and shapes these for a request.
"""

from __future__ import annotations

import uuid
from typing import Any

from pocc.sandbox.dataverse.model import (
    SYSTEM_REQUIRED,
    AttributeType,
    Column,
    Schema,
    Table,
)

NAMESPACE = "Microsoft.Dynamics.CRM"
ENGLISH = 1033

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

# Columns the platform fills itself and reports as SystemRequired on every table.
PLATFORM_FILLED = frozenset(
    {"statecode", "ownerid", "owningbusinessunit", "organizationid"}
)

# Custom tables get object type codes from 10000 up, in creation order.
FIRST_CUSTOM_OBJECT_TYPE_CODE = 10000


def entity(table: Table, schema: Schema) -> dict[str, Any]:
    """EntityMetadata of one table, without its Attributes (a navigation property)."""
    return {
        "MetadataId": metadata_id(table.logical_name),
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
        "DisplayName": label(table.display_name),
        "DisplayCollectionName": label(table.collection_display_name),
        "Description": label(table.description),
    }


def keys(table: Table) -> list[dict[str, Any]]:
    """EntityKeyMetadata for each alternate key of a table."""
    return [
        {
            "MetadataId": metadata_id(f"{table.logical_name}.{key.logical_name}"),
            "LogicalName": key.logical_name,
            "SchemaName": key.schema_name,
            "EntityLogicalName": table.logical_name,
            "KeyAttributes": list(key.columns),
            "EntityKeyIndexStatus": "Active",
            "DisplayName": label(key.display_name),
        }
        for key in table.keys
    ]


def attribute(table: Table, column: Column) -> dict[str, Any]:
    """AttributeMetadata of one column (its OptionSet is a separate navigation)."""
    found: dict[str, Any] = {
        "@odata.type": f"#{NAMESPACE}.{METADATA_TYPES[column.type]}",
        "MetadataId": metadata_id(f"{table.logical_name}.{column.logical_name}"),
        "LogicalName": column.logical_name,
        "SchemaName": column.schema_name,
        "EntityLogicalName": table.logical_name,
        "AttributeType": column.type.value,
        "AttributeTypeName": {"Value": f"{column.type.value}Type"},
        "DisplayName": label(column.display_name),
        "Description": label(column.description),
        "RequiredLevel": {
            "Value": required_level(table, column),
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
    found.update(_type_details(column))

    return found


def attribute_type_name(column: Column) -> str:
    """The AttributeMetadata subtype, as a type-cast path segment names it."""
    return f"{NAMESPACE}.{METADATA_TYPES[column.type]}"


def option_set(table: Table, column: Column) -> dict[str, Any] | None:
    """The OptionSet of a choice, state or status column; None for other types."""
    if not column.is_choice:
        return None

    return {
        "MetadataId": metadata_id(
            f"{table.logical_name}.{column.logical_name}.options"
        ),
        "Name": f"{table.logical_name}_{column.logical_name}",
        "IsGlobal": False,
        "OptionSetType": column.type.value,
        "Options": [
            {
                "Value": choice.value,
                "Label": label(choice.label),
                "State": choice.state,
                "DefaultStatus": choice.default_status,
            }
            for choice in column.choices
        ],
    }


def required_level(table: Table, column: Column) -> str:
    if column.logical_name == table.primary_id:
        return SYSTEM_REQUIRED

    if column.logical_name in PLATFORM_FILLED:
        return SYSTEM_REQUIRED

    return column.required_level


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


def label(text: str) -> dict[str, Any]:
    if not text:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}

    localized = {"Label": text, "LanguageCode": ENGLISH, "IsManaged": False}

    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


def metadata_id(name: str) -> str:
    # Stable across restarts, so clients that cache MetadataId keep working.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pocc-sandbox-metadata:{name}"))


def _object_type_code(table: Table, schema: Schema) -> int:
    if table.object_type_code is not None:
        return table.object_type_code

    custom = sorted(
        name for name, other in schema.tables.items() if other.object_type_code is None
    )

    return FIRST_CUSTOM_OBJECT_TYPE_CODE + custom.index(table.logical_name)
