"""Every error pocc raises, in one rooted hierarchy, and the one place that sorts them.

A caller catches by what it can do about a failure, not by where it came from:
`except ConflictError` re-reads a row whichever service refused the write, `except
DataverseError` handles anything Dataverse said. Each concrete class is both, for
example `DataverseConflictError(DataverseError, ConflictError)`.

`dataverse_error` and `constant_contact_error` turn an HTTP answer into the right class.
They are the only code that reads a status or a service's error code to decide a kind.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from pocc.redaction import redact


class PoccError(Exception):
    """The root of everything pocc raises on purpose."""


class ConfigurationError(PoccError):
    """One or more settings are missing or malformed; lists every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = (
            f"pocc's configuration has {count} problem{'s' if count != 1 else ''}:"
        )
        lines = [heading, *(f"  - {problem}" for problem in self.problems)]
        super().__init__("\n".join(lines))


class VaultError(PoccError):
    """A stored secret cannot be decrypted with any configured key."""


class AuthorizationStateError(PoccError):
    """An OAuth callback's `state` is forged, altered, expired or for another org.

    The browser should be sent back to start the authorization again; nothing was
    exchanged or stored.
    """


class ServiceError(PoccError):
    """An outside service refused a request, or could not be reached.

    Carries what an operator needs to find the request in the service's own logs and
    a sentence that says what to do. Paths and messages pass through `redact`, so an
    error can be logged as it is.
    """

    service = "a service"
    advice = "See the service's message above."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        doing: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = redact(message)
        self.status = status
        self.code = code or None
        self.request_id = request_id
        self.method = method
        self.path = redact(path) if path else None
        self.doing = redact(doing) if doing else None
        self.retry_after = retry_after
        super().__init__(self._describe())

    def _describe(self) -> str:
        refused = self.status is not None and self.status >= 400
        what = f"{self.service} refused" if refused else f"{self.service} failed"

        if self.method and self.path:
            what += f" {self.method} {self.path}"

        if self.doing:
            what += f" while {self.doing}"

        details = [str(self.status)] if self.status else []

        if self.code:
            details.append(self.code)

        if self.request_id:
            details.append(f"request id {self.request_id}")

        suffix = f" ({', '.join(details)})" if details else ""
        message = self.message.rstrip()

        if not message.endswith((".", "!", "?")):
            message += "."

        return f"{what}{suffix}: {message} {self.advice}"


# The kinds a caller can act on, whichever service raised them.


class NotFoundError(ServiceError):
    advice = "Check the id or key: the record may have been deleted."


class ConflictError(ServiceError):
    advice = (
        "The record changed since it was read: read it again and reapply the change."
    )


class DuplicateKeyError(ServiceError):
    advice = "A record with the same key already exists: update it instead."


class PermissionDeniedError(ServiceError):
    advice = "Grant the missing privilege to the role of pocc's application user."


class ThrottledError(ServiceError):
    advice = "The service asked pocc to slow down; try again later."


class QuotaExceededError(ServiceError):
    advice = "The daily request budget is spent; it resets at midnight UTC."


class ServiceUnavailableError(ServiceError):
    advice = "The service is unavailable or the connection failed; try again later."


class AuthenticationError(ServiceError):
    advice = "Check the application id, its secret and the tenant in pocc's settings."


class ReauthenticationRequiredError(AuthenticationError):
    advice = "An administrator must click Authenticate on the setup page again."


class InvalidRequestError(ServiceError):
    advice = "The request was malformed: this is a bug in pocc or in the data it sent."


class UnexpectedResponseError(ServiceError):
    advice = "The answer did not follow the documented protocol; pocc stopped safely."


# Dataverse


class DataverseError(ServiceError):
    service = "Dataverse"


class DataverseNotFoundError(DataverseError, NotFoundError):
    pass


class DataverseConflictError(DataverseError, ConflictError):
    pass


class DataverseDuplicateKeyError(DataverseError, DuplicateKeyError):
    pass


class DataversePermissionDeniedError(DataverseError, PermissionDeniedError):
    pass


class DataverseThrottledError(DataverseError, ThrottledError):
    pass


class DataverseUnavailableError(DataverseError, ServiceUnavailableError):
    pass


class DataverseAuthenticationError(DataverseError, AuthenticationError):
    pass


class DataverseInvalidRequestError(DataverseError, InvalidRequestError):
    pass


class DataverseUnexpectedResponseError(DataverseError, UnexpectedResponseError):
    pass


# Constant Contact


class ConstantContactError(ServiceError):
    service = "Constant Contact"


class ConstantContactNotFoundError(ConstantContactError, NotFoundError):
    pass


class ConstantContactConflictError(ConstantContactError, ConflictError):
    pass


class ConstantContactDuplicateKeyError(ConstantContactError, DuplicateKeyError):
    pass


class ConstantContactPermissionDeniedError(ConstantContactError, PermissionDeniedError):
    pass


class ConstantContactThrottledError(ConstantContactError, ThrottledError):
    pass


class ConstantContactQuotaExceededError(ConstantContactError, QuotaExceededError):
    pass


class ConstantContactUnavailableError(ConstantContactError, ServiceUnavailableError):
    pass


class ConstantContactAuthenticationError(ConstantContactError, AuthenticationError):
    pass


class ConstantContactReauthenticationRequiredError(
    ConstantContactError, ReauthenticationRequiredError
):
    pass


class ConstantContactInvalidRequestError(ConstantContactError, InvalidRequestError):
    pass


class ConstantContactUnexpectedResponseError(
    ConstantContactError, UnexpectedResponseError
):
    pass


# Classification: the one place that maps statuses and service codes to kinds.

# Dataverse codes whose kind does not follow from the status alone (reference notes,
# section 3): a 412 is either a duplicate key or a stale ETag.
DATAVERSE_DUPLICATE_CODES = frozenset({"0x80040237", "0x80060892"})
DATAVERSE_CONCURRENCY_CODE = "0x80060882"

_DATAVERSE_KINDS: dict[type[ServiceError], type[DataverseError]] = {
    NotFoundError: DataverseNotFoundError,
    ConflictError: DataverseConflictError,
    DuplicateKeyError: DataverseDuplicateKeyError,
    PermissionDeniedError: DataversePermissionDeniedError,
    ThrottledError: DataverseThrottledError,
    ServiceUnavailableError: DataverseUnavailableError,
    AuthenticationError: DataverseAuthenticationError,
    InvalidRequestError: DataverseInvalidRequestError,
    UnexpectedResponseError: DataverseUnexpectedResponseError,
}

_CONSTANT_CONTACT_KINDS: dict[type[ServiceError], type[ConstantContactError]] = {
    NotFoundError: ConstantContactNotFoundError,
    ConflictError: ConstantContactConflictError,
    DuplicateKeyError: ConstantContactDuplicateKeyError,
    PermissionDeniedError: ConstantContactPermissionDeniedError,
    ThrottledError: ConstantContactThrottledError,
    QuotaExceededError: ConstantContactQuotaExceededError,
    ServiceUnavailableError: ConstantContactUnavailableError,
    AuthenticationError: ConstantContactAuthenticationError,
    ReauthenticationRequiredError: ConstantContactReauthenticationRequiredError,
    InvalidRequestError: ConstantContactInvalidRequestError,
    UnexpectedResponseError: ConstantContactUnexpectedResponseError,
}

# Response headers that carry a request id, in the order they are preferred.
REQUEST_ID_HEADERS = ("x-ms-service-request-id", "REQ_ID", "x-request-id")


def dataverse_kind(status: int, code: str | None, message: str) -> type[ServiceError]:
    """The kind of a Dataverse failure, from its status and `0x...` error code."""
    if status == 412:
        if code in DATAVERSE_DUPLICATE_CODES or "already exists" in message:
            return DuplicateKeyError

        return ConflictError

    return _kind_for_status(status)


def constant_contact_kind(status: int, error_key: str | None) -> type[ServiceError]:
    """The kind of a Constant Contact failure, from its status and `error_key`."""
    key = (error_key or "").lower()

    if key == "invalid_grant":
        return ReauthenticationRequiredError

    if key == "quota_exceeded":
        return QuotaExceededError

    if key == "throttled":
        return ThrottledError

    if key.endswith(".conflict") or status == 409:
        return DuplicateKeyError

    if key.endswith(".not_found"):
        return NotFoundError

    return _kind_for_status(status)


def _kind_for_status(status: int) -> type[ServiceError]:
    if status in (400, 405, 413, 414, 415, 422):
        return InvalidRequestError

    if status == 401:
        return AuthenticationError

    if status == 403:
        return PermissionDeniedError

    if status == 404:
        return NotFoundError

    if status in (409, 412):
        return ConflictError

    if status == 429:
        return ThrottledError

    if status in (502, 503, 504):
        return ServiceUnavailableError

    return UnexpectedResponseError


def dataverse_error(
    status: int,
    headers: Mapping[str, str],
    body: str,
    *,
    method: str | None = None,
    path: str | None = None,
    doing: str | None = None,
) -> DataverseError:
    """The error for one failed Dataverse answer (body `{"error": {code, message}}`)."""
    error = _json_object(body).get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "") or None
    message = str(error.get("message") or "") or _fallback_message(status, body)

    kind = dataverse_kind(status, code, message)
    return _DATAVERSE_KINDS[kind](
        message,
        status=status,
        code=code,
        request_id=_request_id(headers),
        method=method,
        path=path,
        doing=doing,
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )


def dataverse_failure(
    kind: type[ServiceError], message: str, **context: Any
) -> DataverseError:
    """A Dataverse error of `kind` that no HTTP answer carried (a lost connection)."""
    return _DATAVERSE_KINDS[kind](message, **context)


def constant_contact_error(
    status: int,
    headers: Mapping[str, str],
    body: str,
    *,
    method: str | None = None,
    path: str | None = None,
    doing: str | None = None,
) -> ConstantContactError:
    """The error for one failed Constant Contact answer, in either of its two shapes.

    The v3 API answers most errors with a list of `{error_key, error_message}` and
    gateway errors (401, 429) with one such object; its OAuth server answers with
    `{error, error_description}`.
    """
    parsed = _json_value(body)
    first = parsed[0] if isinstance(parsed, list) and parsed else parsed
    first = first if isinstance(first, dict) else {}

    error_key = first.get("error_key") or first.get("error")
    message = first.get("error_message") or first.get("error_description")
    message = str(message or "") or _fallback_message(status, body)

    kind = constant_contact_kind(status, str(error_key) if error_key else None)
    return _CONSTANT_CONTACT_KINDS[kind](
        message,
        status=status,
        code=str(error_key) if error_key else None,
        request_id=_request_id(headers),
        method=method,
        path=path,
        doing=doing,
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )


def constant_contact_failure(
    kind: type[ServiceError], message: str, **context: Any
) -> ConstantContactError:
    """A Constant Contact error of `kind` that no HTTP answer carried."""
    return _CONSTANT_CONTACT_KINDS[kind](message, **context)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None

    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        pass

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)

    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)

        if value:
            return value

    return None


def _json_value(body: str) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _json_object(body: str) -> dict[str, Any]:
    value = _json_value(body)
    return value if isinstance(value, dict) else {}


def _fallback_message(status: int, body: str) -> str:
    text = " ".join(body.split())[:200] if body else ""
    return text or f"HTTP {status} without an error body."
