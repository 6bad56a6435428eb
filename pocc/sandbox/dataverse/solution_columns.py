"""Read one `<attribute>` of an `Entity.xml` into a `Column`.

The export's names differ from the Web API's (`nvarchar` for String, `bit` for
Boolean, `systemrequired` for SystemRequired); this module holds those mappings.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from pocc.sandbox.dataverse.model import (
    APPLICATION_REQUIRED,
    SYSTEM_REQUIRED,
    AttributeType,
    Choice,
    Column,
)
from pocc.sandbox.dataverse.solution_xml import (
    SolutionError,
    flag,
    integer,
    label,
    logical_name,
    number,
    text,
)

# The solution's Type element -> Dataverse's AttributeTypeCode.
ATTRIBUTE_TYPES = {
    "nvarchar": AttributeType.STRING,
    "ntext": AttributeType.MEMO,
    "int": AttributeType.INTEGER,
    "bigint": AttributeType.BIGINT,
    "decimal": AttributeType.DECIMAL,
    "float": AttributeType.DOUBLE,
    "money": AttributeType.MONEY,
    "bit": AttributeType.BOOLEAN,
    "datetime": AttributeType.DATETIME,
    "picklist": AttributeType.PICKLIST,
    "state": AttributeType.STATE,
    "status": AttributeType.STATUS,
    "lookup": AttributeType.LOOKUP,
    "customer": AttributeType.CUSTOMER,
    "owner": AttributeType.OWNER,
    "primarykey": AttributeType.UNIQUEIDENTIFIER,
    "uniqueidentifier": AttributeType.UNIQUEIDENTIFIER,
}

# The Behavior element of a date-time column (DateTimeBehavior in the SDK).
DATETIME_BEHAVIORS = {"1": "UserLocal", "2": "DateOnly", "3": "TimeZoneIndependent"}
DATETIME_FORMATS = {"datetime": "DateAndTime", "date": "DateOnly"}
STRING_FORMATS = {"text": "Text", "email": "Email", "url": "Url", "phone": "Phone"}

# An owner lookup may point at a user or a team (LookupType 8 and 9 in the export).
OWNER_TARGETS = ("systemuser", "team")

# The RequiredLevel element -> AttributeRequiredLevel.
REQUIRED_LEVELS = {
    "none": "None",
    "recommended": "Recommended",
    "required": APPLICATION_REQUIRED,
    "systemrequired": SYSTEM_REQUIRED,
}


def read_column(attribute: ElementTree.Element, table: str, path: Path) -> Column:
    source_type = text(attribute, "Type")

    if source_type not in ATTRIBUTE_TYPES:
        raise SolutionError(f"{path}: column type {source_type!r} is not supported")

    kind = ATTRIBUTE_TYPES[source_type]
    logical = logical_name(text(attribute, "LogicalName"), path)
    display_mask = text(attribute, "DisplayMask").split("|")

    return Column(
        logical_name=logical,
        schema_name=attribute.get("PhysicalName", logical),
        type=kind,
        display_name=label(attribute, "displaynames/displayname"),
        description=label(attribute, "Descriptions/Description"),
        required_level=REQUIRED_LEVELS.get(text(attribute, "RequiredLevel"), "None"),
        max_length=integer(attribute, "MaxLength"),
        min_value=number(attribute, "MinValue"),
        max_value=number(attribute, "MaxValue"),
        precision=integer(attribute, "Accuracy"),
        choices=_read_choices(attribute),
        targets=OWNER_TARGETS if kind is AttributeType.OWNER else (),
        datetime_behavior=_datetime_behavior(attribute, kind),
        format=_format(attribute, source_type, kind, display_mask),
        is_secured=flag(attribute, "IsSecured"),
        valid_for_create=flag(attribute, "ValidForCreateApi"),
        valid_for_update=flag(attribute, "ValidForUpdateApi"),
        valid_for_read=flag(attribute, "ValidForReadApi"),
        is_custom=flag(attribute, "IsCustomField"),
    )


def _datetime_behavior(element: ElementTree.Element, kind: AttributeType) -> str | None:
    if kind is not AttributeType.DATETIME:
        return None

    return DATETIME_BEHAVIORS.get(text(element, "Behavior"), "UserLocal")


def _format(
    element: ElementTree.Element,
    source_type: str,
    kind: AttributeType,
    display_mask: list[str],
) -> str | None:
    if source_type == "primarykey":
        return "PrimaryKey"

    if "PrimaryName" in display_mask:
        return "PrimaryName"

    source_format = text(element, "Format")

    if kind is AttributeType.DATETIME:
        return DATETIME_FORMATS.get(source_format, "DateAndTime")

    if kind is AttributeType.STRING:
        return STRING_FORMATS.get(source_format, "Text")

    if kind is AttributeType.MEMO:
        return "TextArea"

    return None


def _read_choices(attribute: ElementTree.Element) -> tuple[Choice, ...]:
    option_set = attribute.find("optionset")

    if option_set is None:
        return ()

    choices = [
        Choice(value=int(option.get("value", "0")), label=label(option, "labels/label"))
        for option in option_set.findall("options/option")
    ]
    choices += [
        Choice(
            value=int(state.get("value", "0")),
            label=label(state, "labels/label"),
            default_status=int(state.get("defaultstatus", "0")),
            invariant_name=state.get("invariantname"),
        )
        for state in option_set.findall("states/state")
    ]
    choices += [
        Choice(
            value=int(status.get("value", "0")),
            label=label(status, "labels/label"),
            state=int(status.get("state", "0")),
        )
        for status in option_set.findall("statuses/status")
    ]

    return tuple(choices)
