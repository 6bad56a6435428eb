"""The unpacked solution's parts that several tests read, found by their layout."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree

SOLUTION_DIR = Path(__file__).resolve().parents[2] / "solution"


def parse(path: Path) -> ElementTree.Element:
    return SafeElementTree.parse(path).getroot()


def ribbon_files() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("Entities/*/RibbonDiff.xml"))


def view_files() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("Entities/*/SavedQueries/*.xml"))


def form_files() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("Entities/*/FormXml/*/*.xml"))


def chart_files() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("Entities/*/Visualizations/*.xml"))


def site_map_files() -> list[Path]:
    return sorted(SOLUTION_DIR.glob("AppModuleSiteMaps/*/AppModuleSiteMap.xml"))


def entity_name(path: Path) -> str:
    """The logical name of the table whose folder holds `path`."""
    entities = SOLUTION_DIR / "Entities"
    folder = path.relative_to(entities).parts[0]
    entity = parse(entities / folder / "Entity.xml").find("EntityInfo/entity")

    return entity.get("Name", "").lower()
