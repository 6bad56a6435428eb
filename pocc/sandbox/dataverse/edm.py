"""The OData (EDM) type each Dataverse column type reads as.

`$metadata`, `$filter` type checks and request-body checks all name the same EDM
type for a column, so the map and its one exception (date-only columns) live here.
"""

from __future__ import annotations

from pocc.sandbox.dataverse.model import AttributeType, Column

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


def edm_type(column: Column) -> str:
    """The EDM type of `column`: `Edm.Date` for date-only date-times."""
    if column.type is AttributeType.DATETIME and is_date_only(column):
        return "Edm.Date"

    return EDM_TYPES[column.type]


def is_date_only(column: Column) -> bool:
    """Whether a date-time column stores a date alone."""
    # The behaviour decides what is stored; the format only how forms show it, so a
    # UserLocal column shown as a date (campaignresponse.receivedon) keeps its time.
    if column.datetime_behavior is not None:
        return column.datetime_behavior == "DateOnly"

    return column.format == "DateOnly"
