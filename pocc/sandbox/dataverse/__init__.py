"""The Dataverse Web API sandbox: one SQLite-backed organisation per configured org.

`mount()` reads the schema from `solution/` plus the standard tables, opens each
organisation (seeding its business unit and the application users of the sandbox
tenant), registers each org URL as a token audience, and serves the Web API at
`{base url}/dataverse/<org>/api/data/v9.2/`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from pocc.sandbox.context import SandboxContext
from pocc.sandbox.dataverse.api import build_blueprint
from pocc.sandbox.dataverse.organization import (
    APP_USER_ROLE,
    BACKEND_FIELD_PROFILE,
    SYSTEM_ADMINISTRATOR,
    ApplicationUser,
    Organization,
    open_organization,
)
from pocc.sandbox.dataverse.privilege_ledger import open_ledger
from pocc.sandbox.dataverse.schema_loader import load_schema

logger = logging.getLogger(__name__)

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"
# Which registered application holds which role (see identity/directory.py).
APPLICATION_ROLES = {"pocc": APP_USER_ROLE, "admin": SYSTEM_ADMINISTRATOR}
# ...and which field security profiles. System Administrators need none.
APPLICATION_FIELD_PROFILES = {"pocc": (BACKEND_FIELD_PROFILE,)}


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    schema = load_schema(context.settings.get("solution_dir", SOLUTION_DIR))
    open_ledger(context.data_dir)
    identity = context.services["identity"]
    authority = f"{identity.authority_host}/{identity.tenant_id}"
    users = _application_users(identity)
    organizations: dict[str, Organization] = {}

    for name in context.org_names:
        url = f"{context.base_url}/dataverse/{name}"
        identity.register_resource(url)
        organizations[name] = open_organization(
            name=name,
            url=url,
            schema=schema,
            data_dir=context.data_dir,
            clock=context.clock,
            authority=authority,
            application_users=users,
            identity=identity,
        )

    context.services["dataverse"] = organizations
    app.register_blueprint(build_blueprint(organizations, context.services))
    return {"orgs": {name: {"url": org.url} for name, org in organizations.items()}}


def _application_users(identity: Any) -> list[ApplicationUser]:
    users = []

    for name, role_name in APPLICATION_ROLES.items():
        application = identity.applications.get(name)

        if application is None:
            logger.warning("the sandbox tenant has no %s application", name)
            continue

        users.append(
            ApplicationUser(
                app_id=application.client_id,
                name=name,
                role_name=role_name,
                object_id=application.object_id,
                field_profile_names=APPLICATION_FIELD_PROFILES.get(name, ()),
            )
        )

    return users
