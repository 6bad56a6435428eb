"""Who is calling, and may they do this: Dataverse's role-based privilege checks.

A bearer token names an application; the organisation's application user for it is
the `systemuser` whose `applicationid` matches, and that user's roles decide. Every
operation needs a privilege named `prv<Verb><Entity>` (Create, Read, Write, Delete,
Append, AppendTo), and a refusal names the missing privilege as Dataverse's does, so
that the solution's own security role is exercised for real.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.model import FieldSecurityProfile, Role, Table
from pocc.sandbox.dataverse.privilege_ledger import LEDGER
from pocc.sandbox.dataverse.store import USER_FIELD_PROFILES_TABLE, USER_ROLES_TABLE

if TYPE_CHECKING:
    from pocc.sandbox.dataverse.organization import Organization

logger = logging.getLogger(__name__)

CREATE = "Create"
READ = "Read"
WRITE = "Write"
DELETE = "Delete"
APPEND = "Append"
APPEND_TO = "AppendTo"

# Tables whose privileges carry another name than their schema name: users are
# `prv...User`, every activity type shares `prv...Activity`, and the intersect-like
# member tables are guarded by the table they belong to.
PRIVILEGE_ENTITY_NAMES = {
    "systemuser": "User",
    "listmember": "List",
    "campaignitem": "Campaign",
}

# Namespace for the stable ids the sandbox gives privileges in its messages.
PRIVILEGE_NAMESPACE = uuid.UUID("0f5bde38-4b6e-4c52-9d8e-5b0d7c2d1a11")


@dataclass(frozen=True)
class Caller:
    """The application user a request runs as."""

    user_id: str
    app_id: str
    business_unit_id: str
    roles: tuple[Role, ...]
    field_profiles: tuple[FieldSecurityProfile, ...] = ()

    def holds(self, privilege_name: str) -> bool:
        return any(role.grants(privilege_name) for role in self.roles)

    @property
    def is_system_administrator(self) -> bool:
        return any(role.is_system_administrator for role in self.roles)


def privilege_name(table: Table, verb: str) -> str:
    entity = PRIVILEGE_ENTITY_NAMES.get(table.logical_name)

    if entity is None:
        entity = "Activity" if table.is_activity else table.schema_name

    return f"prv{verb}{entity}"


def require(caller: Caller, table: Table, verb: str) -> None:
    """Raise Dataverse's privilege error unless the caller's roles grant `verb`."""
    name = privilege_name(table, verb)

    if caller.holds(name):
        LEDGER.record(caller.app_id, name)
        return

    logger.info("refused %s to user %s: missing %s", verb, caller.user_id, name)
    raise errors.privilege_denied(
        caller.user_id,
        name,
        privilege_id=str(uuid.uuid5(PRIVILEGE_NAMESPACE, name.lower())),
        object_type_code=table.object_type_code,
        table_logical_name=table.logical_name,
        role_count=len(caller.roles),
    )


def require_link(caller: Caller, referencing: Table, referenced: Table) -> None:
    """Linking a row to another needs Append on it and AppendTo on the other."""
    require(caller, referencing, APPEND)
    require(caller, referenced, APPEND_TO)


def resolve_caller(organization: Organization, app_id: str) -> Caller:
    """The application user for `app_id`, or Dataverse's not-a-member refusal."""
    database = organization.database
    users = database.query(
        'SELECT systemuserid, businessunitid, isdisabled FROM "systemuser" '
        "WHERE applicationid = ?",
        (app_id.lower(),),
    )

    if not users or users[0].get("isdisabled"):
        raise errors.not_a_member()

    user = users[0]
    role_ids = [
        row["roleid"]
        for row in database.query(
            f"SELECT roleid FROM {USER_ROLES_TABLE} WHERE systemuserid = ?",
            (user["systemuserid"],),
        )
    ]
    roles = tuple(
        organization.roles[role_id]
        for role_id in role_ids
        if role_id in organization.roles
    )
    return Caller(
        user_id=user["systemuserid"],
        app_id=app_id.lower(),
        business_unit_id=user.get("businessunitid") or organization.business_unit_id,
        roles=roles,
        field_profiles=_field_profiles(organization, user["systemuserid"]),
    )


def _field_profiles(
    organization: Organization, user_id: str
) -> tuple[FieldSecurityProfile, ...]:
    profiles = organization.schema.field_security_profiles
    rows = organization.database.query(
        f"SELECT profileid FROM {USER_FIELD_PROFILES_TABLE} WHERE systemuserid = ?",
        (user_id,),
    )
    return tuple(
        profiles[row["profileid"]] for row in rows if row["profileid"] in profiles
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    if not authorization:
        return None

    scheme, _, token = authorization.partition(" ")

    if scheme.lower() != "bearer" or not token.strip():
        return None

    return token.strip()


def authenticate(organization: Organization, authorization: str | None) -> Caller:
    """The caller a request's bearer token proves, or the 401 bearer challenge."""
    token = bearer_token(authorization)

    if token is None:
        raise challenge(organization)

    identity: Any = organization.identity

    try:
        claims = identity.verify_access_token(token, organization.url)
    except Exception as error:
        # Any token the directory refuses (bad signature, expired, wrong audience)
        # gets the same challenge, as Dataverse gives no detail about why.
        logger.debug("refused a bearer token for %s: %s", organization.name, error)
        raise challenge(organization) from None

    return resolve_caller(organization, claims.app_id)


def challenge(organization: Organization) -> errors.DataverseError:
    header = (
        f"Bearer authorization_uri={organization.authority}/oauth2/authorize, "
        f"resource_id={organization.url}/"
    )
    return errors.DataverseError(401, "", "", headers={"WWW-Authenticate": header})
