"""The packed zip imports into the sandbox through the Web API's ImportSolution.

The solution zip that `pack` builds is posted as base64 `CustomizationFile`, as a
real client posts it; afterwards its tables, columns, roles and web resources are
served by the running organisation.
"""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest

from pocc.solution.pack import pack
from pocc.solution.web_resources import read_web_resources
from tests.solution.solution_files import SOLUTION_DIR

APP_USER_ROLE = "Roles/PowerConstantContact AppUser.xml"


def _import(session, zip_bytes: bytes):
    return session.post(
        "ImportSolution",
        json={
            "OverwriteUnmanagedCustomizations": True,
            "PublishWorkflows": False,
            "CustomizationFile": base64.b64encode(zip_bytes).decode("ascii"),
        },
    )


def _pocc_tables() -> set[str]:
    return {
        path.parent.name.lower()
        for path in SOLUTION_DIR.glob("Entities/pocc_*/Entity.xml")
    }


def test_the_packed_solution_imports_with_its_tables_and_web_resources(
    fresh_sandbox, tmp_path: Path
) -> None:
    sandbox = fresh_sandbox()
    admin = sandbox.admin_session()
    packed = pack(SOLUTION_DIR, tmp_path, version="1.0.0.7")

    answer = _import(admin, packed.path.read_bytes())

    assert answer.status_code == 204, answer.text

    resources = admin.get(
        "webresourceset", params={"$select": "name,webresourcetype,content"}
    ).json()["value"]
    by_name = {resource["name"]: resource for resource in resources}

    for resource in read_web_resources(SOLUTION_DIR):
        served = by_name[resource.name]

        assert served["webresourcetype"] == resource.web_resource_type
        assert base64.b64decode(served["content"]) == resource.source.read_bytes()

    definitions = admin.get(
        "EntityDefinitions", params={"$select": "LogicalName"}
    ).json()["value"]
    assert _pocc_tables() <= {entity["LogicalName"] for entity in definitions}

    solutions = admin.get(
        "solutions", params={"$filter": "uniquename eq 'PowerConstantContact'"}
    ).json()["value"]
    assert [solution["version"] for solution in solutions] == ["1.0.0.7"]


def test_an_import_adds_columns_and_changes_roles_in_the_running_org(
    fresh_sandbox, tmp_path: Path
) -> None:
    sandbox = fresh_sandbox()
    app = sandbox.app_session()
    solution = _solution_with_probe(tmp_path / "solution")
    packed = pack(solution, tmp_path / "dist", version="1.0.1.0")

    before = app.get("webresourceset", params={"$select": "name"})
    answer = _import(sandbox.admin_session(), packed.path.read_bytes())
    after = app.get("webresourceset", params={"$select": "name"})
    column = sandbox.admin_session().get(
        "EntityDefinitions(LogicalName='list')"
        "/Attributes(LogicalName='pocc_probenote')",
        params={"$select": "LogicalName"},
    )

    assert answer.status_code == 204, answer.text
    assert before.status_code == 403
    assert after.status_code == 200
    assert column.status_code == 200, column.text


def test_only_a_caller_who_may_import_customizations_can_import(
    sandbox, tmp_path: Path
) -> None:
    packed = pack(SOLUTION_DIR, tmp_path)

    answer = _import(sandbox.app_session(), packed.path.read_bytes())

    assert answer.status_code == 403
    assert "prvImportCustomization" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"solution.xml": b"<ImportExportXml />"}, "customizations.xml"),
        ({"readme.txt": b"not a solution"}, "solution.xml"),
    ],
)
def test_a_zip_that_is_not_a_solution_is_refused(
    sandbox, parts: dict[str, bytes], message: str
) -> None:
    buffer = io.BytesIO()

    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    answer = _import(sandbox.admin_session(), buffer.getvalue())

    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]


def test_the_file_must_be_base64_and_the_flags_present(sandbox) -> None:
    admin = sandbox.admin_session()
    not_base64 = admin.post(
        "ImportSolution",
        json={
            "OverwriteUnmanagedCustomizations": True,
            "PublishWorkflows": False,
            "CustomizationFile": "%%% not base64 %%%",
        },
    )
    no_flags = admin.post("ImportSolution", json={"CustomizationFile": "UEsFBg=="})

    assert not_base64.status_code == 400
    assert no_flags.status_code == 400
    assert "OverwriteUnmanagedCustomizations" in no_flags.json()["error"]["message"]


def _solution_with_probe(target: Path) -> Path:
    """A copy of the solution that adds a column to `list` and lets the AppUser role
    read web resources, so the import's effect can be seen from outside."""
    for path in SOLUTION_DIR.rglob("*"):
        destination = target / path.relative_to(SOLUTION_DIR)

        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())

    (target / "mapping.xml").write_text(
        (SOLUTION_DIR / "mapping.xml")
        .read_text()
        .replace("..\\webresources", str(SOLUTION_DIR.parent / "webresources"))
    )

    entity = target / "Entities" / "List" / "Entity.xml"
    text = entity.read_text()
    start = text.index("<attribute ")
    end = text.index("</attribute>") + len("</attribute>")
    probe = text[start:end].replace("pocc_CcListId", "pocc_ProbeNote")
    probe = probe.replace("pocc_cclistid", "pocc_probenote")
    entity.write_text(text[:end] + probe + text[end:])

    role = target / APP_USER_ROLE
    role.write_text(
        role.read_text().replace(
            "<RolePrivileges>",
            '<RolePrivileges>\n    <RolePrivilege name="prvReadWebResource" '
            'level="Global" />',
        )
    )

    return target
