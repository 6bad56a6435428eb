"""`GET /healthz` (the process answers) and `GET /readyz` (it can do its work).

`/readyz` asks each configured organisation's Dataverse who pocc is (WhoAmI) and
reads its configuration's Constant Contact state. It answers 503 when any Dataverse
cannot be reached or refuses pocc, since no job of that organisation can run. A
Constant Contact connection that needs an administrator is reported, not failed:
the proxy must stay up for the administrator to click Authenticate.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from pocc.errors import PoccError
from pocc.jobs.configuration import read_configuration
from pocc.jobs.job_row import parse_time, utc_now
from pocc.web.state import web_state

logger = logging.getLogger(__name__)

blueprint = Blueprint("health", __name__)

TOKEN_COLUMNS = (
    "pocc_ccaccountname",
    "pocc_needsreauthentication",
    "pocc_refreshtoken",
    "pocc_tokenexpireson",
)


@blueprint.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
def readyz() -> tuple[Response, int]:
    state = web_state()
    organizations = {
        name: _check(name) for name in sorted(state.settings.organizations)
    }
    ready = all(org["dataverse"] == "ok" for org in organizations.values())
    body = {"status": "ready" if ready else "not ready", "organizations": organizations}
    return jsonify(body), 200 if ready else 503


def _check(organization: str) -> dict[str, Any]:
    client = web_state().dataverse(organization)

    try:
        client.who_am_i()
        row = read_configuration(client, TOKEN_COLUMNS)
    except PoccError as error:
        logger.warning("readiness: %s's Dataverse failed: %s", organization, error)
        return {
            "dataverse": "failed",
            "constant_contact": "unknown",
            "message": f"Dynamics 365 did not answer as expected: {error}",
        }

    state, message = _token_state(row)
    return {"dataverse": "ok", "constant_contact": state, "message": message}


def _token_state(row: dict[str, Any] | None) -> tuple[str, str]:
    if row is None:
        return (
            "not configured",
            "No pocc configuration yet: save the setup page and click Authenticate.",
        )

    if row.get("pocc_needsreauthentication"):
        return (
            "needs authentication",
            "Constant Contact refused the saved authorization: an administrator "
            "must click Authenticate on the setup page.",
        )

    if not row.get("pocc_refreshtoken"):
        return (
            "not connected",
            "Not connected to Constant Contact: click Authenticate on the setup page.",
        )

    expires = parse_time(row.get("pocc_tokenexpireson"))
    account = row.get("pocc_ccaccountname") or "the Constant Contact account"
    when = "valid" if expires and expires > utc_now() else "refreshed on next use"
    return "connected", f"Connected to {account} (access token {when})."
