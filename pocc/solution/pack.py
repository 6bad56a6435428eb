"""Pack `solution/` into the zip that Dataverse imports.

The zip holds what a real export holds: `solution.xml` (the manifest: name, version,
publisher, managed or not, root components), `customizations.xml` (every component,
see `assemble`), `[Content_Types].xml` (the package's content types) and one flat
file per web resource under `WebResources/`. The unpacked manifest says `Managed` 2
("both", SolutionPackager's source convention); a packed one says 0 or 1.
"""

from __future__ import annotations

import copy
import logging
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pocc.solution.assemble import customizations_xml
from pocc.solution.layout import SolutionLayoutError, parse
from pocc.solution.web_resources import WebResource, read_web_resources

logger = logging.getLogger(__name__)

CONTENT_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"
# Exports type every part as an opaque stream; Dataverse reads the names, not these.
OCTET_STREAM = "application/octet-stream"
VERSION = re.compile(r"^\d{1,9}(\.\d{1,9}){3}$")
# A fixed time for every zip member, so the same sources give the same zip bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackedSolution:
    path: Path
    unique_name: str
    version: str
    managed: bool
    web_resources: int


def pack(
    solution_dir: Path, out_dir: Path, managed: bool = False, version: str | None = None
) -> PackedSolution:
    """Write `<UniqueName>_<version>[_managed].zip` into `out_dir` and describe it."""
    manifest = parse(solution_dir / "Other" / "Solution.xml")
    unique_name = _text(manifest, "SolutionManifest/UniqueName")
    version = version or _text(manifest, "SolutionManifest/Version")

    if not VERSION.match(version):
        raise SolutionLayoutError(f"version {version!r} is not four numbers (1.2.3.4)")

    resources = read_web_resources(solution_dir)
    parts = {
        "solution.xml": solution_xml(manifest, managed, version),
        "customizations.xml": customizations_xml(solution_dir),
        "[Content_Types].xml": content_types_xml(resources),
    }
    parts.update({resource.packed_path: resource.content() for resource in resources})

    suffix = "_managed" if managed else ""
    path = out_dir / f"{unique_name}_{version.replace('.', '_')}{suffix}.zip"
    _write_zip(path, parts)

    logger.info(
        "packed %s %s (%s) with %s web resources into %s",
        unique_name,
        version,
        "managed" if managed else "unmanaged",
        len(resources),
        path,
    )

    return PackedSolution(path, unique_name, version, managed, len(resources))


def solution_xml(manifest: ElementTree.Element, managed: bool, version: str) -> bytes:
    """The packed manifest: the unpacked one with its version and managed flag set."""
    packed = copy.deepcopy(manifest)
    _set_text(packed, "SolutionManifest/Version", version)
    _set_text(packed, "SolutionManifest/Managed", "1" if managed else "0")

    return ElementTree.tostring(packed, encoding="utf-8", xml_declaration=True)


def content_types_xml(resources: list[WebResource]) -> bytes:
    ElementTree.register_namespace("", CONTENT_TYPES_NAMESPACE)
    root = ElementTree.Element(f"{{{CONTENT_TYPES_NAMESPACE}}}Types")
    ElementTree.SubElement(
        root,
        f"{{{CONTENT_TYPES_NAMESPACE}}}Default",
        {"Extension": "xml", "ContentType": OCTET_STREAM},
    )

    # Web resource files have no extension, so each is named by an override.
    for resource in resources:
        ElementTree.SubElement(
            root,
            f"{{{CONTENT_TYPES_NAMESPACE}}}Override",
            {"PartName": f"/{resource.packed_path}", "ContentType": OCTET_STREAM},
        )

    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _write_zip(path: Path, parts: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")

    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

    partial.replace(path)


def _text(element: ElementTree.Element, path: str) -> str:
    value = (element.findtext(path) or "").strip()

    if not value:
        raise SolutionLayoutError(f"Other/Solution.xml has no {path}")

    return value


def _set_text(element: ElementTree.Element, path: str, value: str) -> None:
    found = element.find(path)

    if found is None:
        raise SolutionLayoutError(f"Other/Solution.xml has no {path}")

    found.text = value
