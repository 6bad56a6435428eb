"""Reading the unpacked solution's files, and the error for a layout that is wrong."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree


class SolutionLayoutError(Exception):
    """`solution/` is missing a file a pack needs, or holds one it cannot read."""


def parse(path: Path) -> ElementTree.Element:
    """The root element of one of the solution's XML files."""
    if not path.is_file():
        raise SolutionLayoutError(f"{path} is missing")

    try:
        return SafeElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise SolutionLayoutError(f"{path} is not well-formed XML: {error}") from error
