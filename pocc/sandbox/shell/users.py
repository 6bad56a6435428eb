"""The D365 shell's people: CRM users who sign in to the sandbox's D365 in a browser.

Real Dynamics 365 signs a person in through Entra ID and calls the Web API with their
delegated token. The sandbox has no interactive sign-in, so each shell user is backed
by an application registered in the sandbox tenant (`shell-<login>`) and a
`systemuser` bound to it, holding that person's security roles. Dataverse then checks
every request of the shell against those roles exactly as it checks pocc's own.
Their `applicationid` keeps them out of the billing count of licensed users.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from pocc.sandbox.dataverse.organization import (
    SYSTEM_ADMINISTRATOR,
    Organization,
    insert_seed_row,
)
from pocc.sandbox.identity import IdentityDirectory

logger = logging.getLogger(__name__)

USER_ROLE = "PowerConstantContact User"
ADMINISTRATOR_FIELD_PROFILE = "PowerConstantContact Administrator"
# Read-Write: a person working in the app (accessmode 4 is for application users).
READ_WRITE = 0
APPLICATION_PREFIX = "shell-"
# The sandbox's own tables of role and profile membership (docs/sandbox-internals.md,
# "Dataverse storage"); the same rows Dataverse's security checks read.
GRANT_ROLE = (
    "INSERT OR IGNORE INTO _sandbox_user_roles (systemuserid, roleid) VALUES (?, ?)"
)
JOIN_FIELD_PROFILE = (
    "INSERT OR IGNORE INTO _sandbox_user_field_profiles (systemuserid, profileid) "
    "VALUES (?, ?)"
)


@dataclass(frozen=True)
class ShellUser:
    """A person of the sandbox organisation and what D365 lets them do."""

    login: str
    first_name: str
    last_name: str
    title: str
    role_names: tuple[str, ...]
    field_profile_names: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def application_name(self) -> str:
        return APPLICATION_PREFIX + self.login


# The marketer is the shell's default user: the *PowerConstantContact User* role the
# ribbon buttons are built for. The administrator runs Setup; the salesperson holds
# no pocc role, to show what D365's security answers to everyone else.
SHELL_USERS = (
    ShellUser(
        "marketer",
        "Morgan",
        "Reyes",
        "Marketing manager (PowerConstantContact User)",
        (USER_ROLE,),
    ),
    ShellUser(
        "administrator",
        "Alex",
        "Ito",
        "CRM administrator (System Administrator)",
        (SYSTEM_ADMINISTRATOR,),
        (ADMINISTRATOR_FIELD_PROFILE,),
    ),
    ShellUser(
        "salesperson",
        "Sam",
        "Okafor",
        "Salesperson (no PowerConstantContact role)",
        (),
    ),
)
DEFAULT_LOGIN = SHELL_USERS[0].login


def shell_user(login: str) -> ShellUser | None:
    return next((user for user in SHELL_USERS if user.login == login), None)


def seed_shell_users(
    organization: Organization, identity: IdentityDirectory
) -> dict[str, str]:
    """Registers each shell user's application and `systemuser`; login -> user id."""
    user_ids = {}

    for user in SHELL_USERS:
        application = identity.register_application(user.application_name)
        user_ids[user.login] = _seed_user(organization, user, application.client_id)

    return user_ids


def _seed_user(organization: Organization, user: ShellUser, client_id: str) -> str:
    user_id = shell_user_id(organization, user.login)
    row = {
        "systemuserid": user_id,
        "applicationid": client_id.lower(),
        "fullname": user.full_name,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "title": user.title,
        "domainname": f"{user.login}@{organization.name}.sandbox.invalid",
        "internalemailaddress": f"{user.login}@{organization.name}.sandbox.invalid",
        "accessmode": READ_WRITE,
        "isdisabled": 0,
        "businessunitid": organization.business_unit_id,
        "businessunitid__type": "businessunit",
    }
    insert_seed_row(organization, "systemuser", row)
    _grant(organization, user, user_id)
    return user_id


def _grant(organization: Organization, user: ShellUser, user_id: str) -> None:
    profiles = organization.schema.field_security_profiles.values()
    role_ids = []
    profile_ids = []

    for role_name in user.role_names:
        role = organization.role_named(role_name)

        if role is None:
            logger.warning("shell user %s: no role %r", user.login, role_name)
            continue

        role_ids.append(role.role_id)

    for profile_name in user.field_profile_names:
        profile = next((item for item in profiles if item.name == profile_name), None)

        if profile is None:
            logger.warning("shell user %s: no profile %r", user.login, profile_name)
            continue

        profile_ids.append(profile.profile_id)

    with organization.database.write() as connection:
        for role_id in role_ids:
            connection.execute(
                GRANT_ROLE,
                (user_id, role_id),
            )

        for profile_id in profile_ids:
            connection.execute(
                JOIN_FIELD_PROFILE,
                (user_id, profile_id),
            )


def shell_user_id(organization: Organization, login: str) -> str:
    """The person's stable `systemuserid` in the organisation."""
    return str(uuid.uuid5(uuid.UUID(organization.organization_id), login))
