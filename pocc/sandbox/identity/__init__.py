"""Microsoft identity (Entra ID) for the sandbox: discovery, keys, client credentials.

`mount` opens the tenant in `{data}/identity/`, registers the blueprint and puts the
`IdentityDirectory` in `context.services["identity"]`, where the Dataverse sandbox
finds it to check bearer tokens. Each served org URL is a resource a token may be
asked for (`{org url}/.default`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from pocc.sandbox.context import SandboxContext
from pocc.sandbox.identity.directory import (
    AccessTokenClaims,
    IdentityDirectory,
    RegisteredApplication,
)
from pocc.sandbox.identity.errors import IdentityError, InvalidToken, InvalidTokenError
from pocc.sandbox.identity.routes import blueprint

__all__ = [
    "AccessTokenClaims",
    "IdentityDirectory",
    "IdentityError",
    "InvalidToken",
    "InvalidTokenError",
    "RegisteredApplication",
    "mount",
]


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    authority_host = f"{context.base_url}/identity"
    directory = IdentityDirectory.open(context.data_dir / "identity", authority_host)

    for org_name in context.org_names:
        directory.register_resource(context.org_url(org_name))

    app.extensions["pocc.identity"] = directory
    app.register_blueprint(blueprint)
    context.services["identity"] = directory

    pocc_app = directory.applications["pocc"]
    admin_app = directory.applications["admin"]
    return {
        "identity": {
            "authority_host": authority_host,
            "tenant_id": directory.tenant_id,
            "client_id": pocc_app.client_id,
            "client_secret": pocc_app.client_secret,
            "admin_client_id": admin_app.client_id,
            "admin_client_secret": admin_app.client_secret,
        }
    }
