"""The v3 API's front door: an operation registry and the checks every call passes.

Handlers register per operation, exactly as the spec names it:

    @operation("GET", "/contacts/{contact_id}", scope="contact_data")
    def get_contact(call: Call) -> Reply: ...

and return `(status, body)` or `(status, body, headers)`; a body of None sends no
content. They raise `ApiError` (or a subclass) to refuse.

`dispatch` runs the gateway's checks in the order the real service shows them: the
bearer token (401), the application's rate limits (429), the path and method (404),
the scope the spec's `security` names (403), a JSON content type on bodies (415) and
well-formed JSON (400), then the handler.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Request, Response
from werkzeug.datastructures import MultiDict

from pocc.sandbox.context import SandboxClock
from pocc.sandbox.log_masking import masked

from .errors import (
    ApiError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    UnauthorizedError,
)
from .service import ConstantContactService
from .settings import Settings
from .store import AccountStore
from .tokens import AccessClaims

logger = logging.getLogger(__name__)

Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[["Call"], Reply]

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
PARAMETER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    scope: str
    handler: Handler
    takes_body: bool
    pattern: re.Pattern[str]
    literal_segments: int

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


# Every registered operation, in registration order.
OPERATIONS: list[Operation] = []


def operation(
    method: str, template: str, *, scope: str, body: bool | None = None
) -> Callable[[Handler], Handler]:
    """Register a handler for one (method, path template) of the spec.

    `body` says whether the operation reads a JSON body; by default POST, PUT and
    PATCH do.
    """
    method = method.upper()
    takes_body = method in METHODS_WITH_BODY if body is None else body

    def register(handler: Handler) -> Handler:
        if any(o.method == method and o.template == template for o in OPERATIONS):
            raise ValueError(f"operation {method} {template} is registered twice")

        OPERATIONS.append(
            Operation(
                method=method,
                template=template,
                scope=scope,
                handler=handler,
                takes_body=takes_body,
                pattern=compile_template(template),
                literal_segments=sum(
                    1 for part in template.split("/") if part and "{" not in part
                ),
            )
        )
        return handler

    return register


def compile_template(template: str) -> re.Pattern[str]:
    parts = PARAMETER.split(template)
    regex = ""

    for index, part in enumerate(parts):
        regex += f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part)

    return re.compile(f"^{regex}$")


@dataclass
class Call:
    """One API request as a handler sees it."""

    service: ConstantContactService
    operation: Operation
    path_params: dict[str, str]
    query: MultiDict[str, str]
    raw_body: bytes
    body: Any
    claims: AccessClaims
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> AccountStore:
        return self.service.store

    @property
    def clock(self) -> SandboxClock:
        return self.service.clock

    @property
    def settings(self) -> Settings:
        return self.service.settings

    def now(self) -> datetime:
        return self.service.now()

    def href(self, path: str, query: dict[str, object] | None = None) -> str:
        return self.service.href(path, query)


def find_operation(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation for a path below `/v3`; the most literal template wins."""
    matches = []

    for candidate in OPERATIONS:
        found = candidate.pattern.match(path)

        if found and candidate.method == method:
            matches.append((candidate, found.groupdict()))

    if not matches:
        raise NotFoundError("not_found", f"No resource found at {method} /v3{path}.")

    return max(matches, key=lambda match: match[0].literal_segments)


def dispatch(service: ConstantContactService, request: Request, path: str) -> Response:
    """Answer one v3 request; every refusal becomes the spec's error body."""
    try:
        status, body, headers = run_checks_and_handler(service, request, path)
    except ApiError as error:
        status, body, headers = error.status, error.body(), error.headers
    except Exception:
        logger.exception(
            "Constant Contact sandbox failed on %s %s", request.method, masked(path)
        )
        error = ApiError(
            500, "server_error", "There was a problem with our internal service."
        )
        status, body, headers = error.status, error.body(), {}

    if status >= 400:
        logger.info(
            "Constant Contact %s /v3%s -> %s", request.method, masked(path), status
        )

    return render(status, body, headers)


def run_checks_and_handler(
    service: ConstantContactService, request: Request, path: str
) -> tuple[int, Any, dict[str, str]]:
    claims = authenticate(service, request)

    service.rate_limiter.admit(claims.client_id)

    found, path_params = find_operation(request.method, path)

    if found.scope not in claims.scopes:
        raise ForbiddenError(
            f"The access token does not carry the {found.scope} scope this "
            "operation needs."
        )

    raw_body = request.get_data(cache=False)
    body = parse_body(found, request, raw_body)

    call = Call(
        service=service,
        operation=found,
        path_params=path_params,
        query=request.args,
        raw_body=raw_body,
        body=body,
        claims=claims,
        headers=dict(request.headers),
    )
    reply = found.handler(call)
    status, reply_body = reply[0], reply[1]
    headers = reply[2] if len(reply) == 3 else {}
    return status, reply_body, headers


def authenticate(service: ConstantContactService, request: Request) -> AccessClaims:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")

    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError()

    return service.tokens.verify(token.strip())


def parse_body(found: Operation, request: Request, raw_body: bytes) -> Any:
    if not found.takes_body:
        return None

    if request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "Content-Type must be application/json."
        )

    if not raw_body.strip():
        return None

    return read_json(raw_body)


def read_json(raw_body: bytes) -> Any:
    """The body as strict JSON: no NaN or Infinity, no text that is not Unicode
    (a lone surrogate escape), no nesting deeper than the parser follows."""
    try:
        body = json.loads(raw_body, parse_constant=_refuse_constant)
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise InvalidRequestError(
            "general.json.malformed", "The request body is nested too deeply."
        ) from None
    except ValueError as error:
        raise InvalidRequestError(
            "general.json.malformed", f"The request body is not valid JSON: {error}"
        ) from error

    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def render(status: int, body: Any, headers: dict[str, str]) -> Response:
    if body is None:
        return Response(status=status, headers=headers)

    return Response(
        json.dumps(body), status=status, headers=headers, mimetype="application/json"
    )
