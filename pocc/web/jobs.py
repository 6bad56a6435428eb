"""`POST /api/jobs/<org>/<job id>`: tell the runner a queued job is waiting.

The request proves nothing by itself: the job row does. A user can only create a
`pocc_job` row if their role allows it, so the proxy checks that the job exists in a
configured organisation and is Queued, then nudges a worker. Nudging twice, or never,
is harmless: workers also poll.

CORS: only the organisation's own origin (where its web resources are served) may
call from a browser; a request from any other origin is refused.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, jsonify, request
from marshmallow import ValidationError

from pocc.errors import NotFoundError, PoccError
from pocc.jobs.claim import read_job
from pocc.jobs.job_row import JobStatus
from pocc.web.errors import ApiError
from pocc.web.schemas import JobAccepted, NudgeRequest
from pocc.web.state import web_state

logger = logging.getLogger(__name__)

blueprint = Blueprint("jobs", __name__, url_prefix="/api/jobs")

ALLOWED_METHODS = "POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "600"


@blueprint.route("/<organization>/<job_id>", methods=["OPTIONS"])
def preflight(organization: str, job_id: str) -> Response:
    _check_organization(organization)
    origin = _allowed_origin(organization)
    response = Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    response.headers["Vary"] = "Origin"
    return response


@blueprint.route("/<organization>/<job_id>", methods=["POST"])
def nudge(organization: str, job_id: str) -> tuple[Response, int]:
    _check_organization(organization)
    origin = _allowed_origin(organization) if request.origin else None
    job_guid = _parse_job_id(job_id)
    _read_body()

    status = _job_status(organization, job_guid)

    if status != JobStatus.QUEUED:
        raise ApiError(
            409,
            "job_not_queued",
            f"The job is {status.label}, not Queued, so there is nothing to start. "
            "Create a new job to run it again.",
            status=status.label,
        )

    web_state().nudge(organization, job_guid)
    body: dict[str, Any] = JobAccepted().dump(
        {
            "id": uuid.UUID(job_guid),
            "organization": organization,
            "status": status.label,
            "message": "The job is queued; a pocc worker will start it shortly.",
        }
    )
    response = jsonify(body)
    _add_cors(response, origin)
    return response, 202


def _check_organization(organization: str) -> None:
    if not web_state().knows(organization):
        raise ApiError(
            404,
            "unknown_organization",
            f"pocc does not serve the organisation '{organization}'. Check the "
            "organisation name in the request and the Target service URL on the "
            "pocc setup page.",
        )


def _allowed_origin(organization: str) -> str:
    """The organisation's own origin; 403 when the request comes from another."""
    org_url = web_state().settings.organization(organization).url
    parts = urlsplit(org_url)
    own = f"{parts.scheme}://{parts.netloc}"

    if request.origin and request.origin.rstrip("/") != own:
        raise ApiError(
            403,
            "origin_not_allowed",
            f"Pages from {request.origin} may not start jobs of '{organization}'; "
            f"only pages of the organisation itself ({own}) may.",
        )

    return own


def _add_cors(response: Response, origin: str | None) -> None:
    response.headers["Vary"] = "Origin"

    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin


def _parse_job_id(job_id: str) -> str:
    """A GUID, with or without braces and in either case (D365 gives `{ABC...}`)."""
    try:
        return str(uuid.UUID(job_id.strip().strip("{}")))
    except ValueError:
        raise ApiError(
            400,
            "malformed_job_id",
            f"'{job_id[:60]}' is not a job id. A job id is the GUID of a pocc_job "
            "row, such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301.",
        ) from None


def _read_body() -> None:
    if not request.get_data():
        return

    payload = request.get_json(silent=True)

    if payload is None:
        raise ApiError(
            400,
            "malformed_body",
            "The request body must be empty or a JSON object, sent with "
            "Content-Type: application/json.",
        )

    try:
        NudgeRequest().load(payload)
    except ValidationError as error:
        raise ApiError(
            400,
            "invalid_body",
            "The request body has fields pocc does not accept: "
            f"{_describe(error.messages)}.",
        ) from None


def _describe(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(
            f"{key}: {_describe(value)}" for key, value in messages.items()
        )

    if isinstance(messages, list):
        return ", ".join(str(item) for item in messages)

    return str(messages)


def _job_status(organization: str, job_id: str) -> JobStatus:
    client = web_state().dataverse(organization)

    try:
        row = read_job(client, job_id)
    except NotFoundError:
        raise ApiError(
            404,
            "job_not_found",
            f"There is no job {job_id} in '{organization}'. It may have been deleted; "
            "create the job again from Dynamics 365.",
        ) from None
    except PoccError as error:
        logger.warning("could not read job %s of %s: %s", job_id, organization, error)
        raise ApiError(
            503,
            "dataverse_unavailable",
            "pocc could not reach Dynamics 365 to check the job. The job is not lost: "
            "a pocc worker will still find it. Try again in a minute.",
        ) from None

    try:
        return JobStatus(row.status)
    except ValueError:
        raise ApiError(
            409,
            "job_not_queued",
            "The job's status is not one pocc knows, so it will not be started.",
            status=str(row.status),
        ) from None
