"""One Dataverse organisation: its database, ids, roles and application users.

Opening an organisation creates its storage from the schema and makes sure the rows a
real environment starts with exist: a root business unit, an organisation id, and an
application user (`systemuser` with `applicationid`) for each application registered
in the sandbox tenant, holding its security role. Seeding is idempotent, so a
restarted sandbox keeps its ids.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pocc.sandbox.context import SandboxClock
from pocc.sandbox.dataverse.model import Role, Schema
from pocc.sandbox.dataverse.store import (
    USER_FIELD_PROFILES_TABLE,
    USER_ROLES_TABLE,
    OrgDatabase,
)

logger = logging.getLogger(__name__)

API_VERSION = "v9.2"
SYSTEM_ADMINISTRATOR = "System Administrator"
APP_USER_ROLE = "PowerConstantContact AppUser"
# The solution's field security profile for the backend (docs/security.md).
BACKEND_FIELD_PROFILE = "PowerConstantContact Backend"

# Access mode 4 is "Non-interactive": what Dataverse gives application users.
NON_INTERACTIVE = 4


@dataclass(frozen=True)
class ApplicationUser:
    """An application registered in the tenant, and the role its user holds here."""

    app_id: str
    name: str
    role_name: str
    object_id: str | None = None
    # Field security profiles (by name) the user is a member of.
    field_profile_names: tuple[str, ...] = ()


@dataclass
class Organization:
    name: str
    # The environment URL, e.g. "https://localhost:8443/dataverse/contoso".
    url: str
    schema: Schema
    database: OrgDatabase
    clock: SandboxClock
    organization_id: str
    business_unit_id: str
    # "https://localhost:8443/identity/<tenant id>", as the 401 challenge names it.
    authority: str
    identity: Any = None
    roles: dict[str, Role] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/data/{API_VERSION}"

    def now(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def role_named(self, name: str) -> Role | None:
        return next((role for role in self.roles.values() if role.name == name), None)


def open_organization(
    name: str,
    url: str,
    schema: Schema,
    data_dir: Path,
    clock: SandboxClock,
    authority: str,
    application_users: list[ApplicationUser],
    identity: Any = None,
) -> Organization:
    """Open (creating on first use) one organisation's database and seed it."""
    database = OrgDatabase(data_dir / "dataverse" / f"{name}.sqlite3", schema)
    database.create_tables()

    organization = Organization(
        name=name,
        url=url.rstrip("/"),
        schema=schema,
        database=database,
        clock=clock,
        organization_id=_stable_setting(database, "organizationid"),
        business_unit_id=_stable_setting(database, "businessunitid"),
        authority=authority,
        identity=identity,
        roles=_roles(schema, name),
    )

    _seed_organization(organization)

    for application_user in application_users:
        _seed_application_user(organization, application_user)

    logger.info("organisation %s ready at %s", name, organization.api_url)
    return organization


def _stable_setting(database: OrgDatabase, name: str) -> str:
    value = database.setting(name)

    if value is None:
        value = str(uuid.uuid4())
        database.set_setting(name, value)

    return value


def _roles(schema: Schema, organization_name: str) -> dict[str, Role]:
    """The solution's roles plus System Administrator, which every org has."""
    roles = {role.role_id: role for role in schema.roles.values()}

    if not any(role.is_system_administrator for role in roles.values()):
        role_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{organization_name}/sysadmin"))
        roles[role_id] = Role(
            role_id=role_id,
            name=SYSTEM_ADMINISTRATOR,
            privileges={},
            is_system_administrator=True,
        )

    return roles


def _seed_organization(organization: Organization) -> None:
    business_unit = {
        "businessunitid": organization.business_unit_id,
        "name": organization.name,
        "organizationid": organization.organization_id,
    }
    insert_seed_row(organization, "businessunit", business_unit)

    organization_row = {
        "organizationid": organization.organization_id,
        "name": organization.name,
    }
    insert_seed_row(organization, "organization", organization_row)


def _seed_application_user(organization: Organization, user: ApplicationUser) -> None:
    database = organization.database
    existing = database.query(
        'SELECT systemuserid FROM "systemuser" WHERE applicationid = ?',
        (user.app_id.lower(),),
    )

    if existing:
        user_id = existing[0]["systemuserid"]
    else:
        user_id = str(uuid.uuid4())
        row = {
            "systemuserid": user_id,
            "applicationid": user.app_id.lower(),
            "azureactivedirectoryobjectid": user.object_id,
            "fullname": f"# {user.name}",
            "firstname": "#",
            "lastname": user.name,
            "domainname": f"{user.name}@sandbox.invalid",
            "accessmode": NON_INTERACTIVE,
            "isdisabled": 0,
            "businessunitid": organization.business_unit_id,
            "businessunitid__type": "businessunit",
        }
        insert_seed_row(organization, "systemuser", row)

    _seed_field_profiles(organization, user_id, user)
    role = organization.role_named(user.role_name)

    if role is None:
        logger.warning(
            "organisation %s has no role %r for application user %s",
            organization.name,
            user.role_name,
            user.name,
        )
        return

    with database.write() as connection:
        connection.execute(
            f"INSERT OR IGNORE INTO {USER_ROLES_TABLE} (systemuserid, roleid) "
            "VALUES (?, ?)",
            (user_id, role.role_id),
        )


def _seed_field_profiles(
    organization: Organization, user_id: str, user: ApplicationUser
) -> None:
    profiles = organization.schema.field_security_profiles.values()

    for name in user.field_profile_names:
        profile = next((found for found in profiles if found.name == name), None)

        if profile is None:
            logger.warning(
                "organisation %s has no field security profile %r for %s",
                organization.name,
                name,
                user.name,
            )
            continue

        with organization.database.write() as connection:
            connection.execute(
                f"INSERT OR IGNORE INTO {USER_FIELD_PROFILES_TABLE} "
                "(systemuserid, profileid) VALUES (?, ?)",
                (user_id, profile.profile_id),
            )


def insert_seed_row(organization: Organization, table_name: str, values: dict) -> bool:
    """Insert a row unless its primary key exists; columns the schema lacks are dropped.

    The standard tables' data file decides which columns exist, so seeding stays
    within them rather than assuming every column a real organisation has.
    """
    table = organization.schema.table(table_name)

    if table is None:
        return False

    database = organization.database

    if database.fetch(table, values[table.primary_id]) is not None:
        return False

    known = set(table.columns) | {table.primary_id}
    known |= {
        f"{name}__type" for name, column in table.columns.items() if column.is_lookup
    }
    row = {name: value for name, value in values.items() if name in known}
    now = organization.now()

    for audit_column in ("createdon", "modifiedon"):
        if audit_column in table.columns:
            row.setdefault(audit_column, now)

    with database.write():
        row["versionnumber"] = database.next_version()
        database.insert(table, row)

    return True
