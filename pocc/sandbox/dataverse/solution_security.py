"""Read the solution's security parts: roles and field security profiles.

A role file (`Roles/<name>.xml`) lists privileges by name and depth. The field
security profiles (`Other/FieldSecurityProfiles.xml`) list, per secured column, what
the profile's members may do with it: `CanRead`, `CanCreate`, `CanUpdate` are 4
(allowed) or 0 (not allowed), as Dataverse exports them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from pocc.sandbox.dataverse.model import (
    FieldPermission,
    FieldSecurityProfile,
    Role,
)
from pocc.sandbox.dataverse.solution_xml import (
    SolutionError,
    logical_name,
    parse_xml,
    text,
)

# A field permission's value for "allowed"; 0 means not allowed.
ALLOWED = "4"


def read_role(path: Path) -> Role:
    return role_from_element(parse_xml(path))


def role_from_element(root: ElementTree.Element) -> Role:
    """One `<Role>`: its id, name and privileges by name and depth."""
    privileges = {
        privilege.get("name", ""): privilege.get("level", "")
        for privilege in root.findall("RolePrivileges/RolePrivilege")
    }

    return Role(
        role_id=root.get("id", "").strip("{}").lower(),
        name=root.get("name", ""),
        privileges=privileges,
    )


def read_field_security_profiles(path: Path) -> dict[str, FieldSecurityProfile]:
    """The profiles in `FieldSecurityProfiles.xml` by id; none when it is absent."""
    if not path.exists():
        return {}

    return profiles_from_element(parse_xml(path), path)


def profiles_from_element(
    root: ElementTree.Element, path: Path
) -> dict[str, FieldSecurityProfile]:
    """The profiles under a `<FieldSecurityProfiles>` element, by id."""
    profiles = {}

    for element in root.findall("FieldSecurityProfile"):
        profile = _read_profile(element, path)
        profiles[profile.profile_id] = profile

    return profiles


def _read_profile(element: ElementTree.Element, path: Path) -> FieldSecurityProfile:
    profile_id = element.get("fieldsecurityprofileid", "").strip("{}").lower()
    name = element.get("name", "")

    if not profile_id or not name:
        raise SolutionError(f"{path}: a FieldSecurityProfile lacks its id or name")

    permissions = tuple(
        _read_permission(permission, path)
        for permission in element.findall("FieldPermissions/FieldPermission")
    )
    return FieldSecurityProfile(profile_id, name, permissions)


def _read_permission(element: ElementTree.Element, path: Path) -> FieldPermission:
    return FieldPermission(
        table=logical_name(text(element, "EntityName"), path),
        column=logical_name(text(element, "AttributeName"), path),
        can_read=text(element, "CanRead") == ALLOWED,
        can_create=text(element, "CanCreate") == ALLOWED,
        can_update=text(element, "CanUpdate") == ALLOWED,
    )
