"""Connecting an organisation to Constant Contact, as an administrator sees it.

`/api/registration/authorize?orgidname=ORG` sends the browser to Constant Contact's
consent page (signed state, PKCE: see `pocc.constantcontact.authorization`).
Constant Contact sends it back to `/api/registration/register?orgidname=ORG`
(contract: the redirect URI administrators register), which checks the state, swaps
the code for tokens, stores them and answers a small page naming the connected
account, or saying what went wrong and what to do.
"""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from pocc.constantcontact import Authorization
from pocc.errors import AuthorizationStateError, PoccError
from pocc.jobs.configuration import read_configuration
from pocc.web.state import web_state

logger = logging.getLogger(__name__)

blueprint = Blueprint("registration", __name__, url_prefix="/api/registration")

SETUP_ADVICE = (
    "Open the pocc setup page in Dynamics 365, check the Constant Contact API key "
    "and secret, save, and click Authenticate again."
)


@blueprint.get("/authorize")
def authorize() -> Response | tuple[str, int]:
    organization = request.args.get("orgidname", "")
    problem = _unknown(organization)

    if problem:
        return problem

    try:
        url = _authorization(organization).start()
    except PoccError as error:
        logger.warning("authorization of %s could not start: %s", organization, error)
        return _page(
            503,
            "Constant Contact could not be connected",
            f"pocc could not start the connection: {error}",
            SETUP_ADVICE,
        )

    return redirect(url, code=302)


@blueprint.get("/register")
def register() -> tuple[str, int]:
    organization = request.args.get("orgidname", "")
    problem = _unknown(organization)

    if problem:
        return problem

    if request.args.get("error"):
        return _refused(request.args.get("error", ""))

    code = request.args.get("code", "")
    state = request.args.get("state", "")

    if not code or not state:
        return _page(
            400,
            "This link is incomplete",
            "The address has no authorization code or state from Constant Contact.",
            "Start again from the Authenticate button on the pocc setup page.",
        )

    try:
        _authorization(organization).finish(code, state)
    except AuthorizationStateError:
        return _page(
            400,
            "This link has expired or was not made by pocc",
            "For your safety pocc only accepts a Constant Contact answer to a "
            "request it made in the last few minutes.",
            "Start again from the Authenticate button on the pocc setup page.",
        )
    except PoccError as error:
        logger.warning("authorization of %s failed: %s", organization, error)
        return _page(
            502, "Constant Contact was not connected", str(error), SETUP_ADVICE
        )

    account = _account_name(organization)
    return _page(
        200,
        "Constant Contact is connected",
        f"The Constant Contact account {account} is now connected to the "
        f"Dynamics 365 organisation {organization}.",
        "You can close this window and return to Dynamics 365.",
        connected=True,
    )


def _authorization(organization: str) -> Authorization:
    state = web_state()
    return Authorization(state.settings, organization, state.token_store(organization))


def _account_name(organization: str) -> str:
    row = read_configuration(
        web_state().dataverse(organization), ["pocc_ccaccountname"]
    )
    name = (row or {}).get("pocc_ccaccountname")
    return f"“{name}”" if name else "(name not given by Constant Contact)"


def _unknown(organization: str) -> tuple[str, int] | None:
    if web_state().knows(organization):
        return None

    return _page(
        404,
        "Unknown organisation",
        f"pocc does not serve an organisation called “{organization[:100]}”.",
        "Check the Target service URL on the pocc setup page, and that the "
        "organisation is in pocc's POCC_ORGS setting.",
    )


def _refused(error: str) -> tuple[str, int]:
    if error == "access_denied":
        return _page(
            403,
            "Access was not granted",
            "Constant Contact says the request was declined, so nothing was connected.",
            "Click Authenticate on the setup page again and choose Allow.",
        )

    return _page(
        400,
        "Constant Contact refused the request",
        f"Constant Contact answered “{error[:100]}”.",
        SETUP_ADVICE,
    )


def _page(
    status: int, title: str, message: str, advice: str, connected: bool = False
) -> tuple[str, int]:
    html = render_template(
        "registration.html",
        title=title,
        message=message,
        advice=advice,
        connected=connected,
    )
    return html, status
