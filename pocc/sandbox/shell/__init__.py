"""The D365 shell: the solution's app as a signed-in CRM user sees it, in a browser.

Served by the sandbox at `{base url}/d365/<org>/`: the site map, list views and forms
of the pocc tables drawn from `solution/`, the real web resources from
`webresources/`, and an `Xrm` object whose `WebApi` calls the sandbox's Dataverse as
the signed-in person (see `users.py` for who they are and `sign_in.py` for how). It
is a harness for people and browser tests, not a copy of D365's interface.

`mount` needs the Dataverse service (`context.services["dataverse"]`), so the server
mounts it after Dataverse.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from pocc.sandbox.context import SandboxContext
from pocc.sandbox.shell.ribbons import read_ribbons
from pocc.sandbox.shell.routes import Shell, install
from pocc.sandbox.shell.sign_in import SignIn
from pocc.sandbox.shell.solution_pages import read_solution_pages
from pocc.sandbox.shell.users import seed_shell_users

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SOLUTION_DIR = PROJECT_ROOT / "solution"
WEB_RESOURCES_DIR = PROJECT_ROOT / "webresources"


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    organizations = context.services.get("dataverse")

    if not organizations:
        logger.warning("the D365 shell needs the Dataverse sandbox; not mounted")
        return {}

    identity = context.services["identity"]
    solution_dir = Path(context.settings.get("solution_dir", SOLUTION_DIR))

    for organization in organizations.values():
        seed_shell_users(organization, identity)

    shell = Shell(
        organizations=organizations,
        pages=read_solution_pages(solution_dir),
        ribbons=read_ribbons(solution_dir),
        sign_in=SignIn(context.data_dir / "shell", identity),
        web_resources_dir=WEB_RESOURCES_DIR,
    )
    install(app, shell)
    urls = {name: f"{context.base_url}/d365/{name}/" for name in organizations}
    return {"d365": urls}
