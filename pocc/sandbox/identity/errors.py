"""Microsoft identity's error answers, shaped as the real token endpoint shapes them.

The real endpoint answers a refused request with JSON such as
`{"error": "invalid_client", "error_description": "AADSTS7000215: ...\r\nTrace ID:
...\r\nCorrelation ID: ...\r\nTimestamp: 2024-05-01 10:00:00Z", "error_codes":
[7000215], "timestamp": "...", "trace_id": "...", "correlation_id": "..."}`; msal hands
that dict back to its caller unchanged, so the sandbox builds the same one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


class InvalidTokenError(Exception):
    """A bearer token the sandbox did not issue, or no longer accepts."""


# The name the plug-in contract (docs/sandbox-internals.md) gives this error.
InvalidToken = InvalidTokenError


class IdentityError(Exception):
    """A token or discovery request refused with an AADSTS code."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message

    def body(self, correlation_id: str | None = None) -> dict[str, Any]:
        trace_id = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        timestamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{self.code}: {self.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        )
        return {
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        }


def missing_parameter(name: str) -> IdentityError:
    message = f"The request body must contain the following parameter: '{name}'."
    return IdentityError(400, "invalid_request", 900144, message)


def unsupported_grant_type(grant_type: str) -> IdentityError:
    message = f"The app requested an unsupported grant type '{grant_type}'."
    return IdentityError(400, "unsupported_grant_type", 70003, message)


def unknown_tenant(tenant: str) -> IdentityError:
    message = (
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
        "ID and are signing into the correct cloud. Check with your subscription "
        "administrator, this may happen if there are no active subscriptions for the "
        "tenant."
    )
    return IdentityError(400, "invalid_tenant", 90002, message)


def unknown_client(client_id: str, tenant: str) -> IdentityError:
    message = (
        f"Application with identifier '{client_id}' was not found in the directory "
        f"'{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You "
        "may have sent your authentication request to the wrong tenant."
    )
    return IdentityError(400, "unauthorized_client", 700016, message)


def missing_client_secret() -> IdentityError:
    message = (
        "The request body must contain the following parameter: 'client_assertion' "
        "or 'client_secret'."
    )
    return IdentityError(401, "invalid_client", 7000218, message)


def wrong_client_secret(client_id: str) -> IdentityError:
    message = (
        "Invalid client secret provided. Ensure the secret being sent in the request "
        "is the client secret value, not the client secret ID, for a secret added to "
        f"app '{client_id}'."
    )
    return IdentityError(401, "invalid_client", 7000215, message)


def scope_without_default(scope: str) -> IdentityError:
    message = (
        f"The provided value for scope {scope} is not valid. Client credential flows "
        "must have a scope value with /.default suffixed to the resource identifier "
        "(application ID URI)."
    )
    return IdentityError(400, "invalid_scope", 1002012, message)


def unknown_resource(resource: str, tenant_name: str) -> IdentityError:
    message = (
        f"The resource principal named {resource} was not found in the tenant named "
        f"{tenant_name}. This can happen if the application has not been installed by "
        "the administrator of the tenant or consented to by any user in the tenant. "
        "You might have sent your authentication request to the wrong tenant."
    )
    return IdentityError(400, "invalid_resource", 500011, message)
