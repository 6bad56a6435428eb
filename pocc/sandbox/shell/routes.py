"""The shell's pages: sign-in, the app (`main.aspx`), web resources and the Web API.

URLs follow D365's: `main.aspx?pagetype=entitylist&etn=pocc_campaign`,
`main.aspx?pagetype=entityrecord&etn=pocc_job&id=<guid>`,
`main.aspx?pagetype=webresource&webresourceName=pocc_/pages/setup.html`, and
`WebResources/pocc_/pages/setup.html` for a web resource's own file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from pocc.sandbox.dataverse.organization import Organization
from pocc.sandbox.shell import page_model, web_api
from pocc.sandbox.shell.sign_in import SignIn
from pocc.sandbox.shell.solution_pages import SolutionPages
from pocc.sandbox.shell.users import SHELL_USERS, ShellUser, shell_user

logger = logging.getLogger(__name__)

API_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
EXTENSION = "pocc.d365_shell"


@dataclass
class Shell:
    """What the routes need: the orgs, the solution's pages and the sign-in."""

    organizations: dict[str, Organization]
    pages: SolutionPages
    ribbons: dict[tuple[str, str], list[dict[str, Any]]]
    sign_in: SignIn
    web_resources_dir: Path


blueprint = Blueprint(
    "d365_shell",
    __name__,
    url_prefix="/d365",
    template_folder="templates",
    static_folder="static",
    static_url_path="/_shell",
)


def install(app: Flask, shell: Shell) -> None:
    app.extensions[EXTENSION] = shell
    app.register_blueprint(blueprint)


@blueprint.get("/<org>/")
def home(org: str) -> Response:
    _organization(org)
    return redirect(url_for("d365_shell.main", org=org))


@blueprint.get("/<org>/signin")
def sign_in_page(org: str) -> str:
    _organization(org)
    return render_template(
        "signin.html",
        org=org,
        users=SHELL_USERS,
        next=_safe_next(org, request.args.get("next", "")),
    )


@blueprint.post("/<org>/signin")
def sign_in(org: str) -> Response:
    _organization(org)
    login = request.form.get("login", "")

    if shell_user(login) is None:
        abort(400, "choose one of the listed people")

    response = redirect(_safe_next(org, request.form.get("next", "")))
    response.set_cookie(
        SignIn.cookie_name(org),
        _shell().sign_in.cookie_value(org, login),
        path=f"/d365/{org}/",
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    logger.info("shell: %s signed in to %s", login, org)
    return response


@blueprint.get("/<org>/signout")
def sign_out(org: str) -> Response:
    response = redirect(url_for("d365_shell.sign_in_page", org=org))
    response.delete_cookie(SignIn.cookie_name(org), path=f"/d365/{org}/")
    return response


@blueprint.get("/<org>/main.aspx")
def main(org: str) -> Response | str:
    organization = _organization(org)
    user = _signed_in(org)

    if user is None:
        query = urlencode({"next": request.full_path})
        return redirect(f"{url_for('d365_shell.sign_in_page', org=org)}?{query}")

    shell = _shell()
    model = page_model.build(
        organization, user, shell.pages, shell.ribbons, request.args
    )
    return render_template("shell.html", model=model, user=user, org=org)


@blueprint.get("/<org>/WebResources/<path:name>")
def web_resource(org: str, name: str) -> Response:
    _organization(org)

    if _signed_in(org) is None:
        abort(401)

    shell = _shell()

    if name not in shell.pages.web_resources:
        abort(404, f"no web resource called {name[:100]} in the solution")

    response = send_from_directory(shell.web_resources_dir, name)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.route("/<org>/api/data/v9.2/", methods=API_METHODS, defaults={"rest": ""})
@blueprint.route("/<org>/api/data/v9.2/<path:rest>", methods=API_METHODS)
def api(org: str, rest: str) -> Response:
    organization = _organization(org)
    user = _signed_in(org)

    if user is None:
        error = {"code": "0x80072560", "message": "Sign in to the D365 shell."}
        return Response(
            json.dumps({"error": error}), 401, content_type="application/json"
        )

    token = _shell().sign_in.token(user, organization.url)
    return web_api.forward(org, rest, token)


def _shell() -> Shell:
    return current_app.extensions[EXTENSION]


def _organization(org: str) -> Organization:
    found = _shell().organizations.get(org)

    if found is None:
        abort(404, f"no organisation called {org[:60]}")

    return found


def _signed_in(org: str) -> ShellUser | None:
    cookie = request.cookies.get(SignIn.cookie_name(org))
    return _shell().sign_in.user_from_cookie(org, cookie)


def _safe_next(org: str, target: str) -> str:
    """Only a path of this org's shell: never an open redirect."""
    prefix = f"/d365/{org}/"

    path = target.split("?", 1)[0]
    odd = ("//" in path) or ("\\" in path) or (".." in path)

    if target.startswith(prefix) and not odd:
        return target

    return prefix + "main.aspx"
