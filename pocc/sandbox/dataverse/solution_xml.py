"""Small readers for the solution's XML files, shared by the solution modules."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree

from pocc.sandbox.dataverse.model import LOGICAL_NAME


class SolutionError(Exception):
    """`solution/` cannot be read: a missing file, bad XML or an inconsistent part."""


def parse_xml(path: Path) -> ElementTree.Element:
    try:
        return SafeElementTree.parse(path).getroot()
    except FileNotFoundError as error:
        raise SolutionError(f"{path} is missing") from error
    except ElementTree.ParseError as error:
        raise SolutionError(f"{path} is not well-formed XML: {error}") from error


def text(element: ElementTree.Element, path: str, default: str = "") -> str:
    found = element.find(path)

    if found is None or found.text is None:
        return default

    return found.text.strip()


def flag(element: ElementTree.Element, path: str) -> bool:
    return text(element, path) == "1"


def label(element: ElementTree.Element, path: str) -> str:
    # Labels are kept per language; the sandbox speaks English (1033) only.
    for label in element.findall(path):
        if label.get("languagecode") == "1033":
            return label.get("description", "")

    return ""


def logical_name(name: str, where: Path) -> str:
    logical = name.lower()

    if not LOGICAL_NAME.match(logical):
        raise SolutionError(f"{where}: {name!r} is not a valid logical name")

    return logical


def integer(element: ElementTree.Element, path: str) -> int | None:
    value = text(element, path)
    return int(value) if value else None


def number(element: ElementTree.Element, path: str) -> float | None:
    value = text(element, path)
    return float(value) if value else None
