"""What the shell shows, read from `solution/` as D365 reads an imported solution.

The site map, each table's public views (`SavedQueries`: FetchXML plus the grid's
columns), its main form (`FormXml`: tabs, sections, fields, sub-grids, web resource
controls) and the registered web resources. Nothing is invented here: a view, form or
page the solution lacks is missing from the shell too, so the shell shows the
solution's own mistakes. Ribbons are read in `ribbons.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

logger = logging.getLogger(__name__)

ENGLISH = "1033"
WEBRESOURCE_PREFIX = "$webresource:"
# FormXml control class ids: what kind of control a cell holds.
SUBGRID_CLASS = "{e7a81278-8635-4d9e-8d4d-59480b391c5b}"
WEBRESOURCE_CLASS = "{9fdf5f91-88b1-47f4-ad53-c11efc01a01d}"
# SavedQuery querytype 0 is a public view; 2 (associated) and 4 (quick find) are not
# offered in a view picker.
PUBLIC_VIEW = "0"


@dataclass(frozen=True)
class View:
    view_id: str
    table: str
    name: str
    fetch_xml: str
    columns: tuple[tuple[str, int], ...]
    is_default: bool
    query_type: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.view_id,
            "table": self.table,
            "name": self.name,
            "fetchXml": self.fetch_xml,
            "columns": [{"name": name, "width": width} for name, width in self.columns],
        }


@dataclass
class SolutionPages:
    """Everything the shell renders, by table logical name."""

    site_map: dict[str, Any] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    forms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The registered web resource names (`pocc_/pages/setup.html`).
    web_resources: set[str] = field(default_factory=set)

    def views_of(self, table: str) -> list[View]:
        public = [
            view
            for view in self.views.values()
            if view.table == table and view.query_type == PUBLIC_VIEW
        ]
        return sorted(public, key=lambda view: (not view.is_default, view.name))


def read_solution_pages(solution_dir: Path) -> SolutionPages:
    pages = SolutionPages(site_map=_site_map(solution_dir))

    for entity_dir in sorted((solution_dir / "Entities").glob("*")):
        table = entity_dir.name.lower()

        for path in sorted(entity_dir.glob("SavedQueries/*.xml")):
            view = _view(table, path)
            pages.views[view.view_id] = view

        form_files = sorted(entity_dir.glob("FormXml/main/*.xml"))

        if form_files:
            pages.forms[table] = _form_tabs(_parse(form_files[0]))

    pages.web_resources = _web_resources(solution_dir)
    logger.info(
        "shell: %s views, %s forms, %s web resources from %s",
        len(pages.views),
        len(pages.forms),
        len(pages.web_resources),
        solution_dir,
    )
    return pages


def web_resource_name(reference: str) -> str:
    """`$webresource:pocc_/pages/setup.html` -> `pocc_/pages/setup.html`."""
    if reference.startswith(WEBRESOURCE_PREFIX):
        return reference[len(WEBRESOURCE_PREFIX) :]

    return reference


def label_of(element: Element | None, path: str = "labels/label") -> str:
    if element is None:
        return ""

    labels = element.findall(path)
    english = [item for item in labels if item.get("languagecode") == ENGLISH]
    chosen = (english or labels or [None])[0]
    return "" if chosen is None else chosen.get("description", "")


def _parse(path: Path) -> Element:
    return ElementTree.parse(path).getroot()


def _site_map(solution_dir: Path) -> dict[str, Any]:
    files = sorted(solution_dir.glob("AppModuleSiteMaps/*/AppModuleSiteMap.xml"))

    if not files:
        return {"title": "", "groups": []}

    area = _parse(files[0]).find("SiteMap/Area")

    if area is None:
        return {"title": "", "groups": []}

    groups = []

    for group in area.findall("Group"):
        items = [
            {
                "id": sub_area.get("Id", ""),
                "title": _title(sub_area) or sub_area.get("Id", ""),
                "entity": (sub_area.get("Entity") or "").lower(),
                "webResource": web_resource_name(sub_area.get("Url") or ""),
            }
            for sub_area in group.findall("SubArea")
        ]
        groups.append({"title": _title(group), "items": items})

    title = _title(area)
    return {"title": title, "groups": groups}


def _title(element: Element) -> str:
    titles = element.findall("Titles/Title")
    return titles[0].get("Title", "") if titles else ""


def _view(table: str, path: Path) -> View:
    query = _parse(path).find("savedquery")

    if query is None:
        raise ValueError(f"{path} holds no savedquery")

    fetch = query.find("fetchxml/fetch")
    cells = query.findall("layoutxml/grid/row/cell")
    names = query.findall("LocalizedNames/LocalizedName")
    return View(
        view_id=_guid(query.findtext("savedqueryid", "")),
        table=table,
        name=names[0].get("description", "") if names else path.stem,
        fetch_xml=_xml_text(fetch),
        columns=tuple(
            (cell.get("name", ""), int(cell.get("width", "150"))) for cell in cells
        ),
        is_default=query.findtext("isdefault", "0").strip() == "1",
        query_type=query.findtext("querytype", "0").strip(),
    )


def _xml_text(element: Element | None) -> str:
    if element is None:
        return ""

    return ElementTree.tostring(element, encoding="unicode")


def _form_tabs(root: Element) -> list[dict[str, Any]]:
    tabs = []

    for tab in root.findall("systemform/form/tabs/tab"):
        sections = [
            {
                "name": section.get("name", ""),
                "label": label_of(section),
                "showLabel": section.get("showlabel", "true") == "true",
                "controls": [
                    _control(cell) for cell in section.findall("rows/row/cell")
                ],
            }
            for section in tab.findall("columns/column/sections/section")
        ]
        tabs.append(
            {"name": tab.get("name", ""), "label": label_of(tab), "sections": sections}
        )

    return tabs


def _control(cell: Element) -> dict[str, Any]:
    control = cell.find("control")

    if control is None:
        return {"kind": "empty", "label": label_of(cell)}

    class_id = (control.get("classid") or "").lower()
    parameters = {
        child.tag: (child.text or "") for child in control.findall("parameters/*")
    }
    common = {
        "id": control.get("id", ""),
        "label": label_of(cell),
        "showLabel": cell.get("showlabel", "true") == "true",
    }

    if class_id == SUBGRID_CLASS:
        return {
            **common,
            "kind": "subgrid",
            "target": parameters.get("TargetEntityType", "").lower(),
            "relationship": parameters.get("RelationshipName", ""),
            "viewId": _guid(parameters.get("ViewId", "")),
            "rows": int(parameters.get("RecordsPerPage") or 8),
        }

    if class_id == WEBRESOURCE_CLASS:
        return {
            **common,
            "kind": "webresource",
            "name": web_resource_name(parameters.get("Url", "")),
            "passParameters": parameters.get("PassParameters", "").lower() == "true",
        }

    return {
        **common,
        "kind": "field",
        "field": (control.get("datafieldname") or "").lower(),
        "disabled": control.get("disabled", "false") == "true",
    }


def _web_resources(solution_dir: Path) -> set[str]:
    registered = set()

    for path in sorted(solution_dir.glob("WebResources/**/*.data.xml")):
        root = _parse(path)
        name = root.findtext("Name", "").strip()

        if name:
            registered.add(name)

    return registered


def _guid(text: str) -> str:
    return text.strip().strip("{}").lower()
