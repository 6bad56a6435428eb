"""The ImportSolution action: a packed solution zip into a running organisation.

`POST [org]/api/data/v9.2/ImportSolution` takes the zip as base64 in
`CustomizationFile`, with the two booleans the real action requires
(`OverwriteUnmanagedCustomizations`, `PublishWorkflows`) and an optional
`ImportJobId`, and answers 204. The caller needs `prvImportCustomization`
(System Administrators hold it).

What the sandbox takes from the zip is what it can serve: the tables, columns,
relationships, roles and field security profiles (merged into this organisation's
schema, its storage widened to match), the web resources (rows of `webresource`,
content as base64, as Dataverse keeps it) and a `solution` row with the version.
Forms, views, charts and ribbons travel in the same `customizations.xml` but have
no effect on the Web API, so they are accepted and not interpreted.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import threading
import uuid
import xml.etree.ElementTree as ElementTree
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as SafeElementTree

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.paths import is_guid
from pocc.sandbox.dataverse.schema_loader import SchemaError, merge_solution
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.dataverse.solution_reader import read_packed_solution
from pocc.sandbox.dataverse.solution_xml import SolutionError
from pocc.sandbox.dataverse.store import VERSION_COLUMN

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

IMPORT_PRIVILEGE = "prvImportCustomization"
REQUIRED_PARTS = ("solution.xml", "customizations.xml", "[Content_Types].xml")
# Dataverse refuses solution files over 95 MB; the sandbox keeps well below that
# and also bounds what a zip may expand to.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
# One import at a time per process, as Dataverse runs one per organisation.
IMPORT_LOCK = threading.Lock()
SOLUTION_IDS = uuid.UUID("3d9c0a4e-7f1b-4e25-9a63-8b2d5c7e1f90")


@dataclass(frozen=True)
class SolutionPackage:
    """The parts of a packed solution that the import reads."""

    manifest: ElementTree.Element
    customizations: ElementTree.Element
    files: dict[str, bytes]

    @property
    def managed(self) -> bool:
        return (self.manifest.findtext("SolutionManifest/Managed") or "") == "1"


def import_solution(
    organization: Organization, caller: Caller, request: ApiRequest
) -> ApiResponse:
    if request.method != "POST":
        raise errors.method_not_allowed("ImportSolution is an action: use POST.")

    _require_import_privilege(caller)
    package = read_package(_customization_file(request.json()))

    try:
        contents = read_packed_solution(package.manifest, package.customizations)
        schema = merge_solution(organization.schema, contents)
    except (SolutionError, SchemaError, ValueError) as error:
        raise errors.bad_request(f"The solution cannot be imported: {error}") from error

    with IMPORT_LOCK:
        _install_schema(organization, schema)
        resources = _write_web_resources(organization, package)
        _record_solution(organization, contents.unique_name, contents.version, package)

    logger.info(
        "organisation %s imported solution %s %s: %s tables, %s roles, "
        "%s web resources",
        organization.name,
        contents.unique_name,
        contents.version,
        len(contents.tables),
        len(contents.roles),
        resources,
    )

    return ApiResponse(204)


def read_package(data: bytes) -> SolutionPackage:
    """The zip's manifest, customizations and files; refuses what is not a solution."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise errors.bad_request("CustomizationFile is not a zip file.") from error

    with archive:
        members = archive.infolist()

        if len(members) > MAX_MEMBERS:
            raise errors.bad_request("The solution file holds too many files.")

        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise errors.bad_request("The solution file is too large once unpacked.")

        files = {member.filename: archive.read(member) for member in members}

    missing = [name for name in REQUIRED_PARTS if name not in files]

    if missing:
        raise errors.bad_request(
            f"The solution file is missing {', '.join(missing)}: it is not a "
            "solution exported or packed for import."
        )

    return SolutionPackage(
        manifest=_parse(files["solution.xml"], "solution.xml"),
        customizations=_parse(files["customizations.xml"], "customizations.xml"),
        files=files,
    )


def _require_import_privilege(caller: Caller) -> None:
    if not caller.holds(IMPORT_PRIVILEGE):
        raise errors.privilege_denied(
            caller.user_id, IMPORT_PRIVILEGE, role_count=len(caller.roles)
        )


def _customization_file(body: Any) -> bytes:
    if not isinstance(body, dict):
        raise errors.payload("The action parameters must be a JSON object.")

    for name in ("OverwriteUnmanagedCustomizations", "PublishWorkflows"):
        if not isinstance(body.get(name), bool):
            raise errors.bad_request(f"ImportSolution needs '{name}', a boolean.")

    job_id = body.get("ImportJobId")

    if job_id is not None and not is_guid(job_id):
        raise errors.wrong_type(job_id, "Edm.Guid")

    encoded = body.get("CustomizationFile")

    if not isinstance(encoded, str) or not encoded:
        raise errors.bad_request("ImportSolution needs 'CustomizationFile' (base64).")

    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise errors.wrong_type("CustomizationFile", "Edm.Binary") from error


def _parse(data: bytes, name: str) -> ElementTree.Element:
    try:
        return SafeElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise errors.bad_request(f"{name} is not well-formed XML: {error}") from error


def _install_schema(organization: Organization, schema: Any) -> None:
    # Storage first: if widening it fails, the organisation keeps its old schema.
    database = organization.database
    previous = database.schema
    database.schema = schema

    try:
        database.create_tables()
    except Exception:
        database.schema = previous
        raise

    organization.schema = schema
    organization.roles = {**organization.roles, **schema.roles}


def _write_web_resources(organization: Organization, package: SolutionPackage) -> int:
    table = organization.schema.table("webresource")
    elements = package.customizations.findall("WebResources/WebResource")

    if table is None:
        return 0

    with organization.database.write():
        for element in elements:
            _upsert(organization, table, _web_resource_row(element, package))

    return len(elements)


def _web_resource_row(
    element: ElementTree.Element, package: SolutionPackage
) -> dict[str, Any]:
    web_resource_id = (element.findtext("WebResourceId") or "").strip("{} ")
    name = (element.findtext("Name") or "").strip()
    kind = (element.findtext("WebResourceType") or "").strip()
    file_name = (element.findtext("FileName") or "").lstrip("/")

    if not is_guid(web_resource_id) or not name or not kind.isdigit():
        raise errors.bad_request(
            f"customizations.xml: web resource {name!r} lacks its id, name or type."
        )

    if file_name not in package.files:
        raise errors.bad_request(
            f"customizations.xml: web resource {name} names {file_name!r}, "
            "which the solution file does not hold."
        )

    return {
        "webresourceid": web_resource_id.lower(),
        "name": name,
        "displayname": element.findtext("DisplayName"),
        "description": element.findtext("Description"),
        "webresourcetype": int(kind),
        "content": base64.b64encode(package.files[file_name]).decode("ascii"),
        "ismanaged": int(package.managed),
    }


def _record_solution(
    organization: Organization,
    unique_name: str,
    version: str,
    package: SolutionPackage,
) -> None:
    table = organization.schema.table("solution")

    if table is None:
        return

    label = package.manifest.find(
        "SolutionManifest/LocalizedNames/LocalizedName[@languagecode='1033']"
    )
    friendly_name = label.get("description") if label is not None else unique_name
    row = {
        "solutionid": str(uuid.uuid5(SOLUTION_IDS, unique_name.lower())),
        "uniquename": unique_name,
        "friendlyname": friendly_name or unique_name,
        "version": version,
        "ismanaged": int(package.managed),
        "installedon": organization.now(),
    }

    with organization.database.write():
        _upsert(organization, table, row)


def _upsert(organization: Organization, table: Any, row: dict[str, Any]) -> None:
    database = organization.database
    record_id = row[table.primary_id]
    values = {**row, VERSION_COLUMN: database.next_version()}
    values["modifiedon"] = organization.now()

    if database.fetch(table, record_id) is None:
        values["createdon"] = values["modifiedon"]
        database.insert(table, values)
        return

    del values[table.primary_id]
    database.update(table, record_id, values)
