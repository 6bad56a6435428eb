"""`python -m pocc solution pack` builds the zip a real export would be."""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest

from pocc.cli import main
from pocc.solution.layout import SolutionLayoutError
from pocc.solution.pack import pack
from pocc.solution.web_resources import read_web_resources
from tests.solution.solution_files import SOLUTION_DIR

CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def test_the_command_writes_an_unmanaged_zip_named_after_the_version(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    status = main(["solution", "pack", "--version", "1.2.3.4", "--out", str(tmp_path)])

    path = tmp_path / "PowerConstantContact_1_2_3_4.zip"
    assert status == 0
    assert capsys.readouterr().out.strip() == str(path)

    with zipfile.ZipFile(path) as archive:
        manifest = SafeElementTree.fromstring(archive.read("solution.xml"))

    assert manifest.findtext("SolutionManifest/Version") == "1.2.3.4"
    assert manifest.findtext("SolutionManifest/Managed") == "0"


def test_managed_is_stamped_in_the_manifest_and_the_name(tmp_path: Path) -> None:
    packed = pack(SOLUTION_DIR, tmp_path, managed=True)

    with zipfile.ZipFile(packed.path) as archive:
        manifest = SafeElementTree.fromstring(archive.read("solution.xml"))

    assert packed.path.name.endswith("_managed.zip")
    assert manifest.findtext("SolutionManifest/Managed") == "1"


def test_every_web_resource_is_packed_flat_and_named_by_customizations(
    tmp_path: Path,
) -> None:
    packed = pack(SOLUTION_DIR, tmp_path)

    with zipfile.ZipFile(packed.path) as archive:
        names = set(archive.namelist())
        customizations = SafeElementTree.fromstring(archive.read("customizations.xml"))
        types = SafeElementTree.fromstring(archive.read("[Content_Types].xml"))
        files = {name: archive.read(name) for name in names}

    overrides = {
        override.get("PartName") for override in types.iter(f"{CONTENT_TYPES}Override")
    }
    registered = customizations.findall("WebResources/WebResource")

    assert {"solution.xml", "customizations.xml", "[Content_Types].xml"} <= names
    assert len(registered) == packed.web_resources == 9

    for resource in read_web_resources(SOLUTION_DIR):
        (element,) = [
            element
            for element in registered
            if element.findtext("Name") == resource.name
        ]
        file_name = element.findtext("FileName")

        assert file_name == f"/{resource.packed_path}"
        assert "/" not in resource.packed_path.removeprefix("WebResources/")
        assert files[file_name.lstrip("/")] == resource.source.read_bytes()
        assert file_name in overrides


def test_the_same_sources_give_the_same_zip(tmp_path: Path) -> None:
    first = pack(SOLUTION_DIR, tmp_path / "a").path.read_bytes()
    second = pack(SOLUTION_DIR, tmp_path / "b").path.read_bytes()

    assert first == second


def test_a_malformed_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SolutionLayoutError, match="four numbers"):
        pack(SOLUTION_DIR, tmp_path, version="1.2.3")


def test_a_missing_web_resource_file_stops_the_command(tmp_path: Path) -> None:
    solution = tmp_path / "solution"
    _copy_tree(SOLUTION_DIR, solution)
    (solution / "mapping.xml").write_text(
        '<Mapping><Folder map="WebResources\\pocc_" to="..\\empty\\pocc_" /></Mapping>'
    )

    status = main(
        ["solution", "pack", "--solution-dir", str(solution), "--out", str(tmp_path)]
    )

    assert status == 1
    assert list(tmp_path.glob("*.zip")) == []


def _copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)

        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())
