"""Sandbox-only endpoints under `/_sandbox/constantcontact` (never under `/v3`).

- `GET /settings`, `PATCH /settings` (JSON object of changes), `DELETE /settings`
  (back to the real figures): the limits in `settings.DEFAULTS`.
- `GET /operations`: every implemented v3 operation with its scope, for the spec
  coverage test.
- `POST /rate-limits/reset`: forget the requests counted so far (this second, today).
- `POST /background/run`: run the background tasks once, now.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from . import routing
from .service import ConstantContactService
from .settings import SettingsError


def build_admin_blueprint(service: ConstantContactService) -> Blueprint:
    blueprint = Blueprint(
        "constantcontact_admin", __name__, url_prefix="/_sandbox/constantcontact"
    )

    @blueprint.get("/settings")
    def get_settings() -> Response:
        return jsonify(service.settings.as_dict())

    @blueprint.patch("/settings")
    def patch_settings() -> Response | tuple[Response, int]:
        changes = request.get_json(silent=True)

        if not isinstance(changes, dict):
            return jsonify({"error": "send a JSON object of settings to change"}), 400

        try:
            return jsonify(service.settings.update(changes))
        except SettingsError as error:
            return jsonify({"error": str(error)}), 400

    @blueprint.delete("/settings")
    def reset_settings() -> Response:
        return jsonify(service.settings.reset())

    @blueprint.get("/operations")
    def list_operations() -> Response:
        return jsonify(
            [
                {"method": op.method, "path": op.template, "scope": op.scope}
                for op in routing.OPERATIONS
            ]
        )

    @blueprint.post("/rate-limits/reset")
    def reset_rate_limits() -> Response:
        service.rate_limiter.reset()
        return Response(status=204)

    @blueprint.post("/background/run")
    def run_background() -> Response:
        service.background.run_once()
        return Response(status=204)

    return blueprint
