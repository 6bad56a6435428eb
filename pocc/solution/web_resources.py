"""The solution's web resources: their registrations and where their content lives.

Each web resource is registered by `WebResources/<name>.data.xml` (id, name, type),
as SolutionPackager unpacks it. The content itself is kept outside `solution/`, in
`webresources/`, where the pages and scripts are developed and tested:
`solution/mapping.xml` says so in SolutionPackager's own mapping format, so the real
packager finds the files too.

A packed zip stores each file flat under `WebResources/`, named after the resource
with its punctuation removed and its id appended, and `customizations.xml` names
that file in the resource's `<FileName>`.
"""

from __future__ import annotations

import copy
import logging
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pocc.solution.layout import SolutionLayoutError, parse

logger = logging.getLogger(__name__)

REGISTRATION_SUFFIX = ".data.xml"
PACKED_FOLDER = "WebResources"

# WebResourceType codes (webresource.webresourcetype) by file extension.
TYPES_BY_EXTENSION = {
    ".htm": 1,
    ".html": 1,
    ".css": 2,
    ".js": 3,
    ".xml": 4,
    ".png": 5,
    ".jpg": 6,
    ".gif": 7,
    ".xsl": 9,
    ".ico": 10,
    ".svg": 11,
    ".resx": 12,
}


@dataclass(frozen=True)
class WebResource:
    """One registered web resource and the file that holds its content."""

    web_resource_id: str
    name: str
    web_resource_type: int
    registration: ElementTree.Element
    source: Path

    @property
    def packed_path(self) -> str:
        """The zip member with the content: `WebResources/pocc_pagessetuphtml<ID>`."""
        flat = re.sub(r"[^A-Za-z0-9_]", "", self.name)
        guid = self.web_resource_id.strip("{}").upper()

        return f"{PACKED_FOLDER}/{flat}{guid}"

    def packed_element(self) -> ElementTree.Element:
        """The `<WebResource>` for customizations.xml, naming the packed file."""
        element = copy.deepcopy(self.registration)
        file_name = element.find("FileName")

        if file_name is None:
            file_name = ElementTree.SubElement(element, "FileName")

        file_name.text = f"/{self.packed_path}"
        return element

    def content(self) -> bytes:
        if not self.source.is_file():
            raise SolutionLayoutError(
                f"web resource {self.name}: its content {self.source} is missing"
            )

        return self.source.read_bytes()


def read_web_resources(solution_dir: Path) -> list[WebResource]:
    """Every web resource registered under `WebResources/`, sorted by name."""
    folder = solution_dir / PACKED_FOLDER
    mappings = _folder_mappings(solution_dir)
    resources = [
        _read_registration(path, solution_dir, mappings)
        for path in sorted(folder.rglob(f"*{REGISTRATION_SUFFIX}"))
    ]
    names = [resource.name for resource in resources]

    if len(set(names)) != len(names):
        raise SolutionLayoutError(f"a web resource is registered twice: {names}")

    logger.debug("found %s web resources", len(resources))
    return sorted(resources, key=lambda resource: resource.name)


def _read_registration(
    path: Path, solution_dir: Path, mappings: list[tuple[str, Path]]
) -> WebResource:
    registration = parse(path)
    web_resource_id = (registration.findtext("WebResourceId") or "").strip()
    name = (registration.findtext("Name") or "").strip()
    kind = (registration.findtext("WebResourceType") or "").strip()
    unpacked = path.relative_to(solution_dir).as_posix()[: -len(REGISTRATION_SUFFIX)]

    if not web_resource_id or not name or not kind.isdigit():
        raise SolutionLayoutError(f"{path} needs WebResourceId, Name, WebResourceType")

    if unpacked != f"{PACKED_FOLDER}/{name}":
        raise SolutionLayoutError(f"{path} registers {name}, not the file it sits by")

    expected = TYPES_BY_EXTENSION.get(PurePosixPath(name).suffix.lower())

    if expected != int(kind):
        raise SolutionLayoutError(
            f"{path}: type {kind} does not fit the extension of {name}"
        )

    return WebResource(
        web_resource_id=web_resource_id,
        name=name,
        web_resource_type=int(kind),
        registration=registration,
        source=_content_path(unpacked, solution_dir, mappings),
    )


def _folder_mappings(solution_dir: Path) -> list[tuple[str, Path]]:
    """(unpacked folder prefix, real folder) pairs from `mapping.xml`, if any."""
    path = solution_dir / "mapping.xml"

    if not path.exists():
        return []

    pairs = []

    for folder in parse(path).findall("Folder"):
        source = folder.get("map", "").replace("\\", "/").strip("/")
        target = folder.get("to", "").replace("\\", "/")

        if not source or not target:
            raise SolutionLayoutError(f"{path}: a <Folder> lacks 'map' or 'to'")

        pairs.append((source, (solution_dir / target).resolve()))

    return pairs


def _content_path(
    unpacked: str, solution_dir: Path, mappings: list[tuple[str, Path]]
) -> Path:
    for source, target in mappings:
        if unpacked == source or unpacked.startswith(f"{source}/"):
            return target / unpacked[len(source) :].lstrip("/")

    return solution_dir / unpacked
