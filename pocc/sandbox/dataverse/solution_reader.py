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

from pocc.sandbox.dataverse.model import (
    AlternateKey,
    Column,
    FieldSecurityProfile,
    ManyToMany,
    OneToMany,
    Role,
    Table,
)
from pocc.sandbox.dataverse.solution_columns import read_column
from pocc.sandbox.dataverse.solution_security import (
    profiles_from_element,
    read_field_security_profiles,
    read_role,
    role_from_element,
)
from pocc.sandbox.dataverse.solution_xml import (
    SolutionError,
    flag,
    label,
    logical_name,
    parse_xml,
    text,
)

logger = logging.getLogger(__name__)

# Relationship files name the referenced side "Owner": Dataverse's abstract principal,
# which has no rows of its own. Its rows are users (or teams, see OWNER_TARGETS).
REFERENCED_ALIASES = {"owner": "systemuser"}

OWNERSHIP = {"UserOwned": "UserOwned", "OrgOwned": "OrganizationOwned", "None": "None"}


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
    field_security_profiles: dict[str, FieldSecurityProfile] = field(
        default_factory=dict
    )


def read_solution(solution_dir: Path) -> SolutionContents:
    """Read tables, relationships, roles and field security from a solution."""
    contents = _contents(parse_xml(solution_dir / "Other" / "Solution.xml"))

    for path in sorted((solution_dir / "Entities").glob("*/Entity.xml")):
        _read_entity(parse_xml(path), path, contents)

    for path in sorted((solution_dir / "Other" / "Relationships").glob("*.xml")):
        _read_relationships(parse_xml(path), path, contents)

    for path in sorted((solution_dir / "Roles").glob("*.xml")):
        role = read_role(path)
        contents.roles[role.role_id] = role

    contents.field_security_profiles = read_field_security_profiles(
        solution_dir / "Other" / "FieldSecurityProfiles.xml"
    )

    _log(contents)
    return contents


def read_packed_solution(
    solution_root: ElementTree.Element, customizations_root: ElementTree.Element
) -> SolutionContents:
    """The same as `read_solution`, from a packed zip's two documents.

    `customizations.xml` holds under one root what the unpacked layout splits into
    files: `Entities/Entity`, `EntityRelationships/EntityRelationship`, `Roles/Role`
    and `FieldSecurityProfiles/FieldSecurityProfile`.
    """
    where = Path("customizations.xml")
    contents = _contents(solution_root)

    for entity in customizations_root.findall("Entities/Entity"):
        _read_entity(entity, where, contents)

    relationships = customizations_root.find("EntityRelationships")

    if relationships is not None:
        _read_relationships(relationships, where, contents)

    for element in customizations_root.findall("Roles/Role"):
        role = role_from_element(element)
        contents.roles[role.role_id] = role

    profiles = customizations_root.find("FieldSecurityProfiles")

    if profiles is not None:
        contents.field_security_profiles = profiles_from_element(profiles, where)

    _log(contents)
    return contents


def _contents(solution_root: ElementTree.Element) -> SolutionContents:
    manifest = solution_root.find("SolutionManifest")

    if manifest is None:
        raise SolutionError("the solution manifest has no SolutionManifest")

    return SolutionContents(
        unique_name=text(manifest, "UniqueName"),
        version=text(manifest, "Version"),
        publisher_prefix=text(manifest, "Publisher/CustomizationPrefix"),
        option_value_prefix=int(
            text(manifest, "Publisher/CustomizationOptionValuePrefix")
        ),
    )


def _log(contents: SolutionContents) -> None:
    logger.debug(
        "read solution %s: %s tables, %s relationships, %s roles",
        contents.unique_name,
        len(contents.tables),
        len(contents.one_to_many) + len(contents.many_to_many),
        len(contents.roles),
    )


def _read_entity(
    root: ElementTree.Element, path: Path, contents: SolutionContents
) -> None:
    entity = root.find("EntityInfo/entity")

    if entity is None:
        raise SolutionError(f"{path} has no EntityInfo/entity")

    schema_name = entity.get("Name", "")
    logical = logical_name(schema_name, path)
    columns = [
        read_column(attribute, logical, path) for attribute in entity.iter("attribute")
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
        entity_set=text(entity, "EntitySetName"),
        primary_id=primary_id,
        primary_name=primary_name,
        display_name=label(entity, "LocalizedNames/LocalizedName"),
        collection_display_name=label(
            entity, "LocalizedCollectionNames/LocalizedCollectionName"
        ),
        description=label(entity, "Descriptions/Description"),
        ownership=OWNERSHIP[text(entity, "OwnershipTypeMask", "UserOwned")],
        is_activity=flag(entity, "IsActivity"),
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


def _read_key(key: ElementTree.Element, path: Path) -> AlternateKey:
    columns = tuple(
        logical_name(name.text or "", path)
        for name in key.findall("EntityKeyAttributes/AttributeName")
    )

    return AlternateKey(
        schema_name=text(key, "Name"),
        logical_name=text(key, "LogicalName") or text(key, "Name").lower(),
        columns=columns,
        display_name=label(key, "displaynames/displayname"),
    )


def _read_relationships(
    root: ElementTree.Element, path: Path, contents: SolutionContents
) -> None:
    for relationship in root.findall("EntityRelationship"):
        name = relationship.get("Name", "")
        kind = text(relationship, "EntityRelationshipType")

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
        text(role, "RelationshipRoleType"): text(role, "NavigationPropertyName")
        for role in relationship.findall(
            "EntityRelationshipRoles/EntityRelationshipRole"
        )
    }


def _one_to_many(relationship: ElementTree.Element, name: str, path: Path) -> OneToMany:
    referencing = logical_name(text(relationship, "ReferencingEntityName"), path)
    referenced = logical_name(text(relationship, "ReferencedEntityName"), path)
    referenced = REFERENCED_ALIASES.get(referenced, referenced)
    attribute = text(relationship, "ReferencingAttributeName")
    navigation = _navigation_names(relationship)

    # System relationships (owner, createdby, ...) are exported without roles:
    # Dataverse then names the single-valued side after the lookup's logical name and
    # the collection side after the relationship.
    return OneToMany(
        schema_name=name,
        referenced_table=referenced,
        referenced_column=f"{referenced}id",
        referencing_table=referencing,
        referencing_column=logical_name(attribute, path),
        referenced_navigation=navigation.get("0") or name,
        referencing_navigation=navigation.get("1") or attribute.lower(),
        cascade_delete=text(relationship, "CascadeDelete", "RemoveLink"),
    )


def _many_to_many(
    relationship: ElementTree.Element, name: str, path: Path
) -> ManyToMany:
    first = logical_name(text(relationship, "FirstEntityName"), path)
    second = logical_name(text(relationship, "SecondEntityName"), path)
    navigation = [
        text(role, "NavigationPropertyName") or name
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
        intersect_entity=logical_name(text(relationship, "IntersectEntityName"), path),
        intersect_column1=f"{first}id",
        intersect_column2=f"{second}id",
        navigation1=navigation[0],
        navigation2=navigation[1],
    )
