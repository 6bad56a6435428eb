"""Sandbox-only admin endpoints under `/_sandbox/`: health, settings and the clock.

They exist for tests and the demo, never under a real service's paths, and need no
token: the sandbox only ever listens on localhost. Fault injection has its own
endpoint in `faults.py`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from pocc.sandbox.context import SandboxContext, SettingsError

logger = logging.getLogger(__name__)

blueprint = Blueprint("sandbox_admin", __name__, url_prefix="/_sandbox")


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    app.extensions["pocc.context"] = context
    app.register_blueprint(blueprint)
    return {"admin_url": f"{context.base_url}/_sandbox"}


def sandbox_context() -> SandboxContext:
    return current_app.extensions["pocc.context"]


def bad_request(message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = 400
    return response


@blueprint.get("/health")
def health() -> Response:
    context = sandbox_context()
    body = {
        "status": "ok",
        "base_url": context.base_url,
        "now": context.clock.now().isoformat().replace("+00:00", "Z"),
        "orgs": list(context.org_names),
        "services": sorted(context.services),
    }
    return jsonify(body)


@blueprint.get("/settings")
def read_settings() -> Response:
    return jsonify(sandbox_context().settings_snapshot())


@blueprint.patch("/settings")
def change_settings() -> Response:
    changes = request.get_json(silent=True)

    if not isinstance(changes, dict):
        return bad_request("send the settings to change as a JSON object")

    try:
        settings = sandbox_context().update_settings(changes)
    except SettingsError as error:
        return bad_request(str(error))

    return jsonify(settings)


@blueprint.post("/clock/advance")
def advance_clock() -> Response:
    body = request.get_json(silent=True)
    seconds = body.get("seconds") if isinstance(body, dict) else None

    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return bad_request('send {"seconds": N} with N a number of seconds, 0 or more')

    now = sandbox_context().clock.advance(timedelta(seconds=seconds))
    logger.info("sandbox clock advanced by %s s", seconds)
    return jsonify({"now": now.isoformat().replace("+00:00", "Z")})


@blueprint.get("/clock")
def read_clock() -> Response:
    clock = sandbox_context().clock
    body = {
        "now": clock.now().isoformat().replace("+00:00", "Z"),
        "offset_seconds": clock.offset.total_seconds(),
    }
    return jsonify(body)
