"""Constant Contact's error answers: one exception per kind, the real body shapes.

Every refusal inside the v3 API raises `ApiError`; `routing.py` renders it. The v3 API
answers most errors with a JSON array of `{"error_key", "error_message"}`; the gateway's
own refusals (401 unauthorized, 429 throttled / quota_exceeded) are a single object
(see the reference notes, section 4). The OAuth server speaks RFC 6749 JSON instead
(`{"error", "error_description"}`), raised as `OAuthError`.
"""

from __future__ import annotations

from typing import Any

# Statuses whose body is one object rather than an array (AuthorizationErrorSchema).
SINGLE_OBJECT_STATUSES = frozenset({401, 429})


class ApiError(Exception):
    """A v3 request the sandbox refuses, answered as Constant Contact would."""

    def __init__(
        self,
        status: int,
        error_key: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_key = error_key
        self.message = message
        self.headers = headers or {}

    def body(self) -> Any:
        error = {"error_key": self.error_key, "error_message": self.message}

        if self.status in SINGLE_OBJECT_STATUSES:
            return error

        return [error]


class InvalidRequestError(ApiError):
    """One or more request fields break the spec's rules (400)."""

    def __init__(self, error_key: str, message: str) -> None:
        super().__init__(400, error_key, message)


class NotFoundError(ApiError):
    def __init__(self, error_key: str, message: str) -> None:
        super().__init__(404, error_key, message)


class ConflictError(ApiError):
    def __init__(self, error_key: str, message: str) -> None:
        super().__init__(409, error_key, message)


class UnauthorizedError(ApiError):
    def __init__(self) -> None:
        super().__init__(401, "unauthorized", "Unauthorized")


class ForbiddenError(ApiError):
    def __init__(self, message: str = "Forbidden") -> None:
        super().__init__(403, "forbidden", message)


class ThrottledError(ApiError):
    """More than the per-second allowance of the application (no Retry-After)."""

    def __init__(self) -> None:
        super().__init__(429, "throttled", "Too Many Requests")


class QuotaExceededError(ApiError):
    """The application's daily allowance is spent until midnight UTC."""

    def __init__(self) -> None:
        super().__init__(429, "quota_exceeded", "Limit Exceeded")


class OAuthError(Exception):
    """A refusal of the authorization server, in RFC 6749 section 5.2 form."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
