"""Which Dataverse columns pocc can carry to Constant Contact, and as what.

A Constant Contact custom field holds one value of at most 255 characters, so a
column travels as text that a person would recognise: choices and two-options as
their labels, lookups as the name of the record they point at (both from Dataverse's
`FormattedValue` annotation), dates as dates, numbers as plain digits. Columns with
no single readable value (files, images, party lists, virtual columns, ids) are
refused when the mapping is checked.

The column types come from the table's metadata
(`EntityDefinitions(LogicalName='contact')/Attributes`), read once per job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pocc.dataverse import DataverseClient, Query

logger = logging.getLogger(__name__)

FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue"


@dataclass(frozen=True)
class Carriage:
    """How one column type travels: the field types that fit, the first one being
    the type pocc creates; and whether the value shown is Dataverse's display text."""

    field_types: tuple[str, ...]
    formatted: bool = False


_TEXT = ("string", "text_area")
_NUMBER = ("number", *_TEXT)
_LABEL = Carriage((*_TEXT, "single_select"), formatted=True)
_NAME = Carriage(_TEXT, formatted=True)

# Dataverse attribute type (AttributeTypeName without "Type") -> how it travels.
CARRIED: dict[str, Carriage] = {
    "String": Carriage(_TEXT),
    "Memo": Carriage(("text_area", "string")),
    "Integer": Carriage(_NUMBER),
    "BigInt": Carriage(_NUMBER),
    "Decimal": Carriage(_NUMBER),
    "Double": Carriage(_NUMBER),
    "Money": Carriage(("currency", *_NUMBER)),
    "DateTime": Carriage(("date", *_TEXT)),
    "Boolean": Carriage(_TEXT, formatted=True),
    "Picklist": _LABEL,
    "State": _LABEL,
    "Status": _LABEL,
    "MultiSelectPicklist": Carriage(_TEXT, formatted=True),
    "Lookup": _NAME,
    "Customer": _NAME,
    "Owner": _NAME,
}
LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})


@dataclass(frozen=True)
class Attribute:
    """One column of a table, as its metadata describes it."""

    logical_name: str
    type_name: str
    readable: bool = True


@dataclass(frozen=True)
class CustomField:
    """One checked mapping: a column of a table and the Constant Contact field that
    receives it (`cc_name` is the field's system name, used as `cf:<name>`)."""

    column: str
    cc_name: str
    cc_type: str
    attribute_type: str = "String"

    @property
    def property_name(self) -> str:
        """The column's key in Web API JSON: lookups read as `_<column>_value`."""
        if self.attribute_type in LOOKUP_TYPES:
            return f"_{self.column}_value"

        return self.column

    @property
    def formatted(self) -> bool:
        carriage = CARRIED.get(self.attribute_type)
        return bool(carriage and carriage.formatted)


def read_columns(dataverse: DataverseClient, table: str) -> dict[str, Attribute]:
    """Every column of `table` by logical name, with its type."""
    query = Query(
        select=["LogicalName", "AttributeType", "AttributeTypeName", "IsValidForRead"]
    )
    rows = dataverse.related(
        "EntityDefinitions", {"LogicalName": table}, "Attributes", query
    )
    columns: dict[str, Attribute] = {}

    for row in rows:
        name = str(row.get("LogicalName") or "")
        columns[name] = Attribute(
            logical_name=name,
            type_name=_type_name(row),
            readable=row.get("IsValidForRead") is not False,
        )

    logger.debug("read %s columns of %s", len(columns), table)
    return columns


def _type_name(row: dict) -> str:
    # AttributeTypeName tells types apart that AttributeType lumps together (a
    # multi-select choice is AttributeType "Virtual").
    named = (row.get("AttributeTypeName") or {}).get("Value") or ""

    if named.endswith("Type"):
        return named[: -len("Type")]

    return str(row.get("AttributeType") or "")
