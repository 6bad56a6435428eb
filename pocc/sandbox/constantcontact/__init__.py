"""Constant Contact, simulated: its OAuth2 server and v3 API under `/constantcontact`.

`mount(app, context)` builds the service (store, registration, tokens, limits), seeds a
fresh account, registers the blueprints and starts the background loop with its two
tasks: bulk activities and campaign sending. Sending is on the loop from the start,
so after a restart a scheduled campaign goes out, and its opt-outs take effect, when
the sandbox clock reaches their time, whether or not anyone calls a campaign
operation. The module map and the contracts for other modules are in
`docs/sandbox-internals.md` ("Constant Contact sandbox").
"""

from __future__ import annotations

import logging
from typing import Any

import flask

from pocc.sandbox.context import SandboxContext

from . import activities_queue, activities_worker, contact_records, seed, sending
from .admin import build_admin_blueprint
from .api import build_blueprint
from .service import ConstantContactService, build_service

logger = logging.getLogger(__name__)


def mount(app: flask.Flask, context: SandboxContext) -> dict[str, Any]:
    service = build_service(context)
    context.services["constantcontact"] = service

    app.register_blueprint(build_blueprint(service))
    app.register_blueprint(build_admin_blueprint(service))

    contact_records.ensure_tables(service.store)
    activities_queue.ensure_tables(service)
    sending.install(service)
    seed.seed_account(service)
    activities_worker.install(service)
    service.background.start()
    logger.info("Constant Contact sandbox at %s", service.api_url)

    return {"constantcontact": contract_block(service)}


def contract_block(service: ConstantContactService) -> dict[str, Any]:
    return {
        "auth_url": service.auth_url,
        "api_url": service.api_url,
        **service.registration.public_block(),
    }
