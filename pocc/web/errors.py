"""Error answers of the proxy: JSON with a message a person can act on.

Every `/api/jobs` and health error is `{"error": code, "message": sentence}` (plus
fields such as `status` where they help). The registration pages answer HTML, since
a person's browser shows them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success, raised from a view."""

    def __init__(self, http_status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.extra = extra


def error_response(
    http_status: int, code: str, message: str, **extra: Any
) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message, **extra}), http_status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> tuple[Response, int]:
        return error_response(
            error.http_status, error.code, error.message, **error.extra
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if not request.path.startswith("/api/jobs"):
            return error

        status = error.code or 500
        message = {
            404: "There is nothing at this address. Jobs are nudged with POST "
            "/api/jobs/<organisation>/<job id>.",
            405: f"{request.method} is not allowed here; use POST.",
        }.get(status, error.description or "The request could not be handled.")
        return error_response(status, error.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        logger.error(
            "unexpected error answering %s %s",
            request.method,
            request.path,
            exc_info=error,
        )
        return error_response(
            500,
            "internal_error",
            "pocc met an unexpected problem. Try again; if it keeps happening, give "
            "your pocc administrator the time of this request.",
        )
