"""Assemble the unpacked solution into one `customizations.xml`, as a pack would.

`solution/` is kept in SolutionPackager's unpacked layout: one `Entity.xml` per table,
one file per role, relationships split by table. Dataverse imports none of that
directly; it imports a zip whose `customizations.xml` holds every component under one
`ImportExportXml` root. This module rebuilds that document; the XSD test validates
it and `python -m pocc solution pack` zips it.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree

logger = logging.getLogger(__name__)

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"

# Where each split part goes back in: child of ImportExportXml -> how to collect it.
ENTITIES = "Entities"
ROLES = "Roles"
FIELD_SECURITY_PROFILES = "FieldSecurityProfiles"
ENTITY_RELATIONSHIPS = "EntityRelationships"


class SolutionLayoutError(Exception):
    """`solution/` is missing a file a pack needs, or holds one it cannot read."""


def assemble_customizations(solution_dir: Path) -> ElementTree.Element:
    """customizations.xml's `ImportExportXml` root, every split part put back."""
    root = _parse(solution_dir / "Other" / "Customizations.xml")

    _fill(root, ENTITIES, _entity_elements(solution_dir))
    _fill(root, ROLES, _role_elements(solution_dir))
    _fill(root, FIELD_SECURITY_PROFILES, _field_security_profiles(solution_dir))
    _fill(root, ENTITY_RELATIONSHIPS, _relationship_elements(solution_dir))

    return root


def customizations_xml(solution_dir: Path) -> bytes:
    """customizations.xml as bytes, ready to validate or to zip."""
    ElementTree.register_namespace("xsi", XSI_NAMESPACE)
    root = assemble_customizations(solution_dir)
    ElementTree.indent(root, space="  ")

    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _parse(path: Path) -> ElementTree.Element:
    if not path.is_file():
        raise SolutionLayoutError(f"{path} is missing")

    try:
        return SafeElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise SolutionLayoutError(f"{path} is not well-formed XML: {error}") from error


def _fill(root: ElementTree.Element, section: str, children: list) -> None:
    # Other/Customizations.xml keeps an empty placeholder for each split section, in
    # the order the XSD wants; a missing placeholder would put the section out of order.
    container = root.find(section)

    if container is None:
        raise SolutionLayoutError(
            f"Other/Customizations.xml has no <{section}> placeholder"
        )

    container.extend(children)
    logger.debug("assembled %s %s", len(children), section)


def _entity_elements(solution_dir: Path) -> list[ElementTree.Element]:
    entities = []

    for path in sorted((solution_dir / "Entities").glob("*/Entity.xml")):
        entity = _parse(path)
        _fill_saved_queries(entity, path.parent / "SavedQueries")
        entities.append(entity)

    return entities


def _fill_saved_queries(entity: ElementTree.Element, views_dir: Path) -> None:
    # The unpacked Entity.xml keeps an empty <SavedQueries /> where the packer puts a
    # <savedqueries> list built from SavedQueries/{id}.xml (each file holds one view).
    placeholder = entity.find("SavedQueries")

    if placeholder is None or len(placeholder):
        return

    views = ElementTree.SubElement(placeholder, "savedqueries")

    for path in sorted(views_dir.glob("*.xml")):
        views.extend(_parse(path))


def _role_elements(solution_dir: Path) -> list[ElementTree.Element]:
    paths = sorted((solution_dir / "Roles").glob("*.xml"))

    return [_parse(path) for path in paths]


def _field_security_profiles(solution_dir: Path) -> list[ElementTree.Element]:
    path = solution_dir / "Other" / "FieldSecurityProfiles.xml"

    if not path.exists():
        return []

    return list(_parse(path))


def _relationship_elements(solution_dir: Path) -> list[ElementTree.Element]:
    # Other/Relationships.xml only lists names; the definitions live in one file per
    # table under Other/Relationships/. Every listed name must be defined exactly once.
    listed = [
        element.get("Name")
        for element in _parse(solution_dir / "Other" / "Relationships.xml")
    ]
    defined: dict[str, ElementTree.Element] = {}

    for path in sorted((solution_dir / "Other" / "Relationships").glob("*.xml")):
        for element in _parse(path):
            name = element.get("Name")

            if name in defined:
                raise SolutionLayoutError(f"relationship {name} is defined twice")

            defined[name] = element

    if set(listed) != set(defined):
        missing = sorted(set(listed) - set(defined))
        unlisted = sorted(set(defined) - set(listed))
        raise SolutionLayoutError(
            f"Other/Relationships.xml and Other/Relationships/ disagree: "
            f"listed but not defined {missing}, defined but not listed {unlisted}"
        )

    return [defined[name] for name in sorted(defined)]
