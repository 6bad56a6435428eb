"""The Web API blueprint: `{org url}/api/data/v9.2/...` for every organisation.

Per request: find the organisation, prove the caller from the bearer token (or answer
the 401 challenge that names the tenant), admit it through service protection, parse
the raw OData path and dispatch. Every answer carries `OData-Version: 4.0`; every
failure is Dataverse's `{"error": {"code", "message"}}`. One debug line per request.
"""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, request

from pocc.sandbox.dataverse import batch, dispatch, errors, odata_errors, security
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.organization import Organization
from pocc.sandbox.dataverse.security import Caller
from pocc.sandbox.log_masking import masked

logger = logging.getLogger(__name__)

API_PREFIX = "/api/data/v9.2"
# Dataverse accepts URLs of up to 32,768 characters; longer GETs (FetchXML, long
# filters) belong inside a `$batch` body, where a request's URL may reach 64 KB.
MAX_URL_LENGTH = 32_768


def build_blueprint(
    organizations: dict[str, Organization], services: dict
) -> Blueprint:
    blueprint = Blueprint("dataverse", __name__, url_prefix="/dataverse")
    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]

    def serve(org: str, resource: str = "") -> Response:
        return _serve(organizations, services, org)

    blueprint.add_url_rule(f"/<org>{API_PREFIX}/", "root", serve, methods=methods)
    blueprint.add_url_rule(f"/<org>{API_PREFIX}", "bare", serve, methods=methods)
    blueprint.add_url_rule(
        f"/<org>{API_PREFIX}/<path:resource>", "resource", serve, methods=methods
    )
    return blueprint


def _serve(
    organizations: dict[str, Organization], services: dict, org: str
) -> Response:
    started = time.monotonic()
    organization = organizations.get(org)

    if organization is None:
        answer = ApiResponse.error(errors.resource_not_found(org))
        return _to_flask(answer)

    try:
        caller = security.authenticate(
            organization, request.headers.get("Authorization")
        )
        protection = services.get("protection")
        guard = protection.guard(caller.user_id) if protection else nullcontext()

        with guard:
            answer = _answer(organization, caller)
    except errors.DataverseError as error:
        answer = ApiResponse.error(error)
    except Exception:
        # A bug in the sandbox still answers in Dataverse's shape, and says so.
        logger.exception("%s %s failed", request.method, masked(request.path))
        unexpected = errors.DataverseError(
            500, errors.UNEXPECTED, "An unexpected error occurred."
        )
        answer = ApiResponse.error(unexpected)

    logger.debug(
        "%s %s -> %s (%.0f ms)",
        request.method,
        masked(request.path),
        answer.status,
        (time.monotonic() - started) * 1000,
    )

    if answer.status >= 500:
        logger.error(
            "%s %s failed with %s", request.method, request.path, answer.status
        )

    return _to_flask(answer)


def _answer(organization: Organization, caller: Caller) -> ApiResponse:
    if len(request.url) > MAX_URL_LENGTH:
        raise errors.DataverseError(414, "", "Invalid URI: The Uri string is too long.")

    api_request = from_flask(organization)

    if api_request.path == "$batch":
        return _batch(organization, caller, api_request)

    return dispatch.handle(organization, caller, api_request)


def _batch(
    organization: Organization, caller: Caller, api_request: ApiRequest
) -> ApiResponse:
    if api_request.method != "POST":
        raise errors.method_not_allowed("$batch accepts POST only.")

    items = batch.parse_batch(
        api_request.body, api_request.header("Content-Type"), organization.api_url
    )

    def run(part: ApiRequest, content_ids: Any) -> ApiResponse:
        return dispatch.handle(organization, caller, part, content_ids)

    answers, status = batch.execute(
        items,
        run,
        organization.database.write,
        api_request.prefer.continue_on_error,
    )
    content_type, body = batch.render(answers)
    headers = {"Content-Type": content_type}

    if api_request.prefer.continue_on_error:
        headers["Preference-Applied"] = "odata.continue-on-error"

    return ApiResponse(status, headers, body)


def from_flask(organization: Organization) -> ApiRequest:
    """The request as an `ApiRequest`, its path taken from the raw URL when known.

    The raw URL keeps a key's `%2F` apart from a path's `/` until the path parser,
    which splits outside quotes, has seen it.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    raw_path = raw.split("?", 1)[0] if raw else request.path
    marker = raw_path.find(API_PREFIX)
    resource = raw_path[marker + len(API_PREFIX) :] if marker >= 0 else ""
    resource = unquote(resource.lstrip("/")) if raw else resource.lstrip("/")

    _refuse_repeated_options(request.args)

    return ApiRequest(
        method=request.method,
        path=resource,
        query={name: request.args[name] for name in request.args},
        headers=request.headers,
        body=request.get_data(),
        url=_public_url(organization, resource),
    )


def _refuse_repeated_options(arguments: Any) -> None:
    """`$top=1&$top=2` is ambiguous, and OData refuses it rather than pick one."""
    for name in arguments:
        if name.startswith("$") and len(arguments.getlist(name)) > 1:
            raise odata_errors.query_error(
                f"Query option '{name}' was specified more than once, but it must be "
                "specified at most once."
            )


def _public_url(organization: Organization, resource: str) -> str:
    query = request.query_string.decode("latin-1")
    url = f"{organization.api_url}/{resource}"
    return f"{url}?{query}" if query else url


def _to_flask(answer: ApiResponse) -> Response:
    response = Response(answer.body, status=answer.status)

    if not answer.body:
        # An empty answer (204, 401) carries no content type, as Dataverse's do not.
        del response.headers["Content-Type"]

    for name, value in answer.headers.items():
        response.headers[name] = value

    response.headers["OData-Version"] = "4.0"
    return response
