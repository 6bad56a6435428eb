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

from pocc.solution.layout import SolutionLayoutError, parse
from pocc.solution.web_resources import read_web_resources

logger = logging.getLogger(__name__)

XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"

# Where each split part goes back in: child of ImportExportXml -> how to collect it.
ENTITIES = "Entities"
ROLES = "Roles"
FIELD_SECURITY_PROFILES = "FieldSecurityProfiles"
ENTITY_RELATIONSHIPS = "EntityRelationships"
WEB_RESOURCES = "WebResources"
APP_MODULE_SITE_MAPS = "AppModuleSiteMaps"
APP_MODULES = "AppModules"

__all__ = ["SolutionLayoutError", "assemble_customizations", "customizations_xml"]


def assemble_customizations(solution_dir: Path) -> ElementTree.Element:
    """customizations.xml's `ImportExportXml` root, every split part put back."""
    root = parse(solution_dir / "Other" / "Customizations.xml")

    _fill(root, ENTITIES, _entity_elements(solution_dir))
    _fill(root, ROLES, _role_elements(solution_dir))
    _fill(root, FIELD_SECURITY_PROFILES, _field_security_profiles(solution_dir))
    _fill(root, ENTITY_RELATIONSHIPS, _relationship_elements(solution_dir))
    _fill(root, WEB_RESOURCES, _web_resource_elements(solution_dir))
    _fill(root, APP_MODULE_SITE_MAPS, _app_parts(solution_dir, APP_MODULE_SITE_MAPS))
    _fill(root, APP_MODULES, _app_parts(solution_dir, APP_MODULES))

    return root


def customizations_xml(solution_dir: Path) -> bytes:
    """customizations.xml as bytes, ready to validate or to zip."""
    ElementTree.register_namespace("xsi", XSI_NAMESPACE)
    root = assemble_customizations(solution_dir)
    ElementTree.indent(root, space="  ")

    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


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
        entity = parse(path)
        _fill_forms(entity, path.parent / "FormXml")
        _fill_saved_queries(entity, path.parent / "SavedQueries")
        _fill_visualizations(entity, path.parent / "Visualizations")
        _fill_ribbon(entity, path.parent / "RibbonDiff.xml")
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
        views.extend(parse(path))


def _fill_forms(entity: ElementTree.Element, forms_dir: Path) -> None:
    # FormXml/<type>/{id}.xml each hold one <forms><systemform>; packed, the forms of
    # one type share a single <forms type="..."> under the entity's <FormXml>.
    type_dirs = sorted(path for path in forms_dir.glob("*") if path.is_dir())

    if not type_dirs:
        return

    container = _placeholder(entity, "FormXml")

    for type_dir in type_dirs:
        forms = ElementTree.SubElement(container, "forms", {"type": type_dir.name})

        for path in sorted(type_dir.glob("*.xml")):
            forms.extend(parse(path).findall("systemform"))


def _fill_visualizations(entity: ElementTree.Element, charts_dir: Path) -> None:
    paths = sorted(charts_dir.glob("*.xml"))

    if paths:
        _placeholder(entity, "Visualizations").extend(parse(path) for path in paths)


def _fill_ribbon(entity: ElementTree.Element, ribbon_path: Path) -> None:
    # RibbonDiff.xml holds the entity's whole <RibbonDiffXml>; it replaces the
    # placeholder in place, so the element keeps its position in Entity.xml.
    if not ribbon_path.is_file():
        return

    ribbon = parse(ribbon_path)
    placeholder = entity.find("RibbonDiffXml")

    if placeholder is None:
        entity.append(ribbon)
        return

    placeholder.clear()
    placeholder.extend(ribbon)


def _placeholder(entity: ElementTree.Element, name: str) -> ElementTree.Element:
    # Entity.xml keeps an empty element where a split part goes back; one that a table
    # did not need yet is added, which the XSD allows anywhere (an xs:all group).
    found = entity.find(name)

    if found is None:
        found = ElementTree.SubElement(entity, name)

    if len(found):
        raise SolutionLayoutError(
            f"<{name}> in Entity.xml must be an empty placeholder"
        )

    return found


def _web_resource_elements(solution_dir: Path) -> list[ElementTree.Element]:
    return [resource.packed_element() for resource in read_web_resources(solution_dir)]


def _app_parts(solution_dir: Path, section: str) -> list[ElementTree.Element]:
    # AppModuleSiteMaps/<name>/AppModuleSiteMap.xml, AppModules/<name>/AppModule.xml.
    file_name = section.removesuffix("s") + ".xml"

    return [
        parse(path) for path in sorted((solution_dir / section).glob(f"*/{file_name}"))
    ]


def _role_elements(solution_dir: Path) -> list[ElementTree.Element]:
    paths = sorted((solution_dir / "Roles").glob("*.xml"))

    return [parse(path) for path in paths]


def _field_security_profiles(solution_dir: Path) -> list[ElementTree.Element]:
    path = solution_dir / "Other" / "FieldSecurityProfiles.xml"

    if not path.exists():
        return []

    return list(parse(path))


def _relationship_elements(solution_dir: Path) -> list[ElementTree.Element]:
    # Other/Relationships.xml only lists names; the definitions live in one file per
    # table under Other/Relationships/. Every listed name must be defined exactly once.
    listed = [
        element.get("Name")
        for element in parse(solution_dir / "Other" / "Relationships.xml")
    ]
    defined: dict[str, ElementTree.Element] = {}

    for path in sorted((solution_dir / "Other" / "Relationships").glob("*.xml")):
        for element in parse(path):
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
