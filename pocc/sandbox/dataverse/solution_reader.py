"""Read the unpacked solution (`solution/`) into the sandbox's schema objects.

The solution is the single source of truth for pocc's tables: a column that is not in
an `Entity.xml` does not exist in the sandbox either. Tables whose name carries the
publisher's prefix are the solution's own; any other `Entity.xml` extends a table that
already exists (a standard one) with the custom columns it lists, as real exports do.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field, replace
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree

from pocc.sandbox.dataverse.model import (
    LOGICAL_NAME,
    AlternateKey,
    AttributeType,
    Choice,
    Column,
    ManyToMany,
    OneToMany,
    Role,
    Table,
)

logger = logging.getLogger(__name__)

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
OWNERSHIP = {"UserOwned": "UserOwned", "OrgOwned": "OrganizationOwned", "None": "None"}

# An owner lookup may point at a user or a team (LookupType 8 and 9 in the export).
OWNER_TARGETS = ("systemuser", "team")

# Relationship files name the referenced side "Owner": Dataverse's abstract principal,
# which has no rows of its own. Its rows are users (or teams, see OWNER_TARGETS).
REFERENCED_ALIASES = {"owner": "systemuser"}


class SolutionError(Exception):
    """`solution/` cannot be read: a missing file, bad XML or an inconsistent part."""


@dataclass
class SolutionContents:
    """Everything the solution defines, before it is merged with the standard tables."""

    unique_name: str
    version: str
    publisher_prefix: str
    option_value_prefix: int
    tables: dict[str, Table] = field(default_factory=dict)
    # Columns the solution adds to tables it does not own, by table logical name.
    extensions: dict[str, tuple[Column, ...]] = field(default_factory=dict)
    one_to_many: dict[str, OneToMany] = field(default_factory=dict)
    many_to_many: dict[str, ManyToMany] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)


def read_solution(solution_dir: Path) -> SolutionContents:
    """Read tables, extensions, relationships and roles from an unpacked solution."""
    manifest = _parse(solution_dir / "Other" / "Solution.xml").find("SolutionManifest")

    if manifest is None:
        raise SolutionError("Other/Solution.xml has no SolutionManifest")

    contents = SolutionContents(
        unique_name=_text(manifest, "UniqueName"),
        version=_text(manifest, "Version"),
        publisher_prefix=_text(manifest, "Publisher/CustomizationPrefix"),
        option_value_prefix=int(
            _text(manifest, "Publisher/CustomizationOptionValuePrefix")
        ),
    )

    for path in sorted((solution_dir / "Entities").glob("*/Entity.xml")):
        _read_entity(path, contents)

    for path in sorted((solution_dir / "Other" / "Relationships").glob("*.xml")):
        _read_relationships(path, contents)

    for path in sorted((solution_dir / "Roles").glob("*.xml")):
        role = _read_role(path)
        contents.roles[role.role_id] = role

    logger.debug(
        "read solution %s: %s tables, %s relationships, %s roles",
        contents.unique_name,
        len(contents.tables),
        len(contents.one_to_many) + len(contents.many_to_many),
        len(contents.roles),
    )

    return contents


def _parse(path: Path) -> ElementTree.Element:
    try:
        return SafeElementTree.parse(path).getroot()
    except FileNotFoundError as error:
        raise SolutionError(f"{path} is missing") from error
    except ElementTree.ParseError as error:
        raise SolutionError(f"{path} is not well-formed XML: {error}") from error


def _text(element: ElementTree.Element, path: str, default: str = "") -> str:
    found = element.find(path)

    if found is None or found.text is None:
        return default

    return found.text.strip()


def _flag(element: ElementTree.Element, path: str) -> bool:
    return _text(element, path) == "1"


def _label(element: ElementTree.Element, path: str) -> str:
    # Labels are kept per language; the sandbox speaks English (1033) only.
    for label in element.findall(path):
        if label.get("languagecode") == "1033":
            return label.get("description", "")

    return ""


def _logical_name(name: str, where: Path) -> str:
    logical = name.lower()

    if not LOGICAL_NAME.match(logical):
        raise SolutionError(f"{where}: {name!r} is not a valid logical name")

    return logical


def _read_entity(path: Path, contents: SolutionContents) -> None:
    entity = _parse(path).find("EntityInfo/entity")

    if entity is None:
        raise SolutionError(f"{path} has no EntityInfo/entity")

    schema_name = entity.get("Name", "")
    logical = _logical_name(schema_name, path)
    columns = [
        _read_column(attribute, logical, path) for attribute in entity.iter("attribute")
    ]

    if not logical.startswith(f"{contents.publisher_prefix}_"):
        contents.extensions[logical] = tuple(
            column for column in columns if column.is_custom
        )
        return

    contents.tables[logical] = _table(entity, schema_name, logical, columns, path)


def _table(
    entity: ElementTree.Element,
    schema_name: str,
    logical: str,
    columns: list[Column],
    path: Path,
) -> Table:
    primary_id = _primary_key(columns, path)
    primary_name = next(
        (column.logical_name for column in columns if column.format == "PrimaryName"),
        "",
    )

    if not primary_name:
        raise SolutionError(f"{path}: no column has PrimaryName in its DisplayMask")

    return Table(
        logical_name=logical,
        schema_name=schema_name,
        entity_set=_text(entity, "EntitySetName"),
        primary_id=primary_id,
        primary_name=primary_name,
        display_name=_label(entity, "LocalizedNames/LocalizedName"),
        collection_display_name=_label(
            entity, "LocalizedCollectionNames/LocalizedCollectionName"
        ),
        description=_label(entity, "Descriptions/Description"),
        ownership=OWNERSHIP[_text(entity, "OwnershipTypeMask", "UserOwned")],
        is_activity=_flag(entity, "IsActivity"),
        is_custom=True,
        columns={column.logical_name: _unmark_primary(column) for column in columns},
        keys=tuple(
            _read_key(key, path) for key in entity.findall("EntityKeys/EntityKey")
        ),
    )


def _primary_key(columns: list[Column], path: Path) -> str:
    keys = [column.logical_name for column in columns if column.format == "PrimaryKey"]

    if len(keys) != 1:
        raise SolutionError(f"{path}: expected one primarykey column, found {keys}")

    return keys[0]


def _unmark_primary(column: Column) -> Column:
    # While reading, `format` briefly carries which primary role a column plays; the
    # table keeps that in primary_id / primary_name, and the column its real format.
    if column.format == "PrimaryKey":
        return _replace_format(column, None)

    if column.format == "PrimaryName":
        return _replace_format(column, "Text")

    return column


def _replace_format(column: Column, value: str | None) -> Column:
    return replace(column, format=value)


def _read_column(attribute: ElementTree.Element, table: str, path: Path) -> Column:
    source_type = _text(attribute, "Type")

    if source_type not in ATTRIBUTE_TYPES:
        raise SolutionError(f"{path}: column type {source_type!r} is not supported")

    kind = ATTRIBUTE_TYPES[source_type]
    logical = _logical_name(_text(attribute, "LogicalName"), path)
    display_mask = _text(attribute, "DisplayMask").split("|")

    return Column(
        logical_name=logical,
        schema_name=attribute.get("PhysicalName", logical),
        type=kind,
        display_name=_label(attribute, "displaynames/displayname"),
        description=_label(attribute, "Descriptions/Description"),
        # "systemrequired" columns are filled by the platform (owner, state, ids), so
        # only "required" obliges a caller to send a value.
        required=_text(attribute, "RequiredLevel") == "required",
        max_length=_integer(attribute, "MaxLength"),
        min_value=_number(attribute, "MinValue"),
        max_value=_number(attribute, "MaxValue"),
        precision=_integer(attribute, "Accuracy"),
        choices=_read_choices(attribute),
        targets=OWNER_TARGETS if kind is AttributeType.OWNER else (),
        datetime_behavior=_datetime_behavior(attribute, kind),
        format=_format(attribute, source_type, kind, display_mask),
        is_secured=_flag(attribute, "IsSecured"),
        valid_for_create=_flag(attribute, "ValidForCreateApi"),
        valid_for_update=_flag(attribute, "ValidForUpdateApi"),
        valid_for_read=_flag(attribute, "ValidForReadApi"),
        is_custom=_flag(attribute, "IsCustomField"),
    )


def _integer(element: ElementTree.Element, path: str) -> int | None:
    text = _text(element, path)
    return int(text) if text else None


def _number(element: ElementTree.Element, path: str) -> float | None:
    text = _text(element, path)
    return float(text) if text else None


def _datetime_behavior(element: ElementTree.Element, kind: AttributeType) -> str | None:
    if kind is not AttributeType.DATETIME:
        return None

    return DATETIME_BEHAVIORS.get(_text(element, "Behavior"), "UserLocal")


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

    source_format = _text(element, "Format")

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
        Choice(
            value=int(option.get("value", "0")), label=_label(option, "labels/label")
        )
        for option in option_set.findall("options/option")
    ]
    choices += [
        Choice(
            value=int(state.get("value", "0")),
            label=_label(state, "labels/label"),
            default_status=int(state.get("defaultstatus", "0")),
            invariant_name=state.get("invariantname"),
        )
        for state in option_set.findall("states/state")
    ]
    choices += [
        Choice(
            value=int(status.get("value", "0")),
            label=_label(status, "labels/label"),
            state=int(status.get("state", "0")),
        )
        for status in option_set.findall("statuses/status")
    ]

    return tuple(choices)


def _read_key(key: ElementTree.Element, path: Path) -> AlternateKey:
    columns = tuple(
        _logical_name(name.text or "", path)
        for name in key.findall("EntityKeyAttributes/AttributeName")
    )

    return AlternateKey(
        schema_name=_text(key, "Name"),
        logical_name=_text(key, "LogicalName") or _text(key, "Name").lower(),
        columns=columns,
        display_name=_label(key, "displaynames/displayname"),
    )


def _read_relationships(path: Path, contents: SolutionContents) -> None:
    for relationship in _parse(path).findall("EntityRelationship"):
        name = relationship.get("Name", "")
        kind = _text(relationship, "EntityRelationshipType")

        if kind == "OneToMany":
            contents.one_to_many[name] = _one_to_many(relationship, name, path)
        elif kind == "ManyToMany":
            contents.many_to_many[name] = _many_to_many(relationship, name, path)
        else:
            raise SolutionError(
                f"{path}: relationship {name} has unknown type {kind!r}"
            )


def _navigation_names(relationship: ElementTree.Element) -> dict[str, str]:
    # RelationshipRoleType 1 is the referencing (many) side, 0 the referenced side.
    return {
        _text(role, "RelationshipRoleType"): _text(role, "NavigationPropertyName")
        for role in relationship.findall(
            "EntityRelationshipRoles/EntityRelationshipRole"
        )
    }


def _one_to_many(relationship: ElementTree.Element, name: str, path: Path) -> OneToMany:
    referencing = _logical_name(_text(relationship, "ReferencingEntityName"), path)
    referenced = _logical_name(_text(relationship, "ReferencedEntityName"), path)
    referenced = REFERENCED_ALIASES.get(referenced, referenced)
    attribute = _text(relationship, "ReferencingAttributeName")
    navigation = _navigation_names(relationship)

    # System relationships (owner, createdby, ...) are exported without roles:
    # Dataverse then names the single-valued side after the lookup's logical name and
    # the collection side after the relationship.
    return OneToMany(
        schema_name=name,
        referenced_table=referenced,
        referenced_column=f"{referenced}id",
        referencing_table=referencing,
        referencing_column=_logical_name(attribute, path),
        referenced_navigation=navigation.get("0") or name,
        referencing_navigation=navigation.get("1") or attribute.lower(),
        cascade_delete=_text(relationship, "CascadeDelete", "RemoveLink"),
    )


def _many_to_many(
    relationship: ElementTree.Element, name: str, path: Path
) -> ManyToMany:
    first = _logical_name(_text(relationship, "FirstEntityName"), path)
    second = _logical_name(_text(relationship, "SecondEntityName"), path)
    navigation = [
        _text(role, "NavigationPropertyName") or name
        for role in relationship.findall(
            "EntityRelationshipRoles/EntityRelationshipRole"
        )
    ]

    while len(navigation) < 2:
        navigation.append(name)

    return ManyToMany(
        schema_name=name,
        table1=first,
        table2=second,
        intersect_entity=_logical_name(
            _text(relationship, "IntersectEntityName"), path
        ),
        intersect_column1=f"{first}id",
        intersect_column2=f"{second}id",
        navigation1=navigation[0],
        navigation2=navigation[1],
    )


def _read_role(path: Path) -> Role:
    root = _parse(path)
    privileges = {
        privilege.get("name", ""): privilege.get("level", "")
        for privilege in root.findall("RolePrivileges/RolePrivilege")
    }

    return Role(
        role_id=root.get("id", "").strip("{}").lower(),
        name=root.get("name", ""),
        privileges=privileges,
    )
