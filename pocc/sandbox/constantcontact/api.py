"""The blueprint: OAuth pages under `/oauth2/default/v1`, the API under `/v3`.

Importing the operation modules registers their handlers with `routing.operation`;
the blueprint forwards every `/v3/...` request to `routing.dispatch`.
"""

from __future__ import annotations

import importlib
import logging

from flask import Blueprint, Response, request

from . import oauth, routing
from .service import URL_PREFIX, ConstantContactService

logger = logging.getLogger(__name__)

# Modules that hold `@operation` handlers. The campaign modules come from the second
# half of the sandbox; a missing one is reported, and its operations answer 404.
OPERATION_MODULES = (
    "account",
    "contacts",
    "lists",
    "custom_fields",
    "activities",
    "emails",
    "campaign_activities",
    "schedules",
    "reports",
)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def import_operation_modules() -> None:
    for name in OPERATION_MODULES:
        qualified = f"{__package__}.{name}"

        try:
            importlib.import_module(qualified)
        except ModuleNotFoundError as error:
            if error.name != qualified:
                raise

            logger.warning("Constant Contact sandbox: no module %s yet", qualified)


def build_blueprint(service: ConstantContactService) -> Blueprint:
    import_operation_modules()
    blueprint = Blueprint(
        "constantcontact", __name__, url_prefix=URL_PREFIX, template_folder="templates"
    )

    @blueprint.route("/v3/<path:path>", methods=ALL_METHODS)
    def v3(path: str) -> Response:
        return routing.dispatch(service, request, "/" + path)

    oauth.add_routes(blueprint, service)
    return blueprint
