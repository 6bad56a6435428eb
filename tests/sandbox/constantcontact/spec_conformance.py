"""Judging one sandbox answer against the contract, and remembering what was judged.

`check_answer` fails (raises `ContractError`, an `AssertionError`) with a readable
report when a response breaks the spec: an undocumented status, a body that breaks the
schema the spec gives for that status, or, where the spec gives no schema (errors),
a body that is not one of the documented error shapes. `ContractLedger` remembers which
operations were answered and checked, for the coverage test at the end of the session.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError

from tests.sandbox.constantcontact.spec import (
    Contract,
    ContractError,
    Operation,
    UnknownOperationError,
)

logger = logging.getLogger(__name__)

# Reference notes, section 4: most errors are an array of {error_key, error_message};
# the gateway's own refusals (401 unauthorized, 429 throttled / quota_exceeded) are one
# object. The spec's APIErrorSchema / AuthorizationErrorSchema, with both keys required.
ERROR_ENTRY = {
    "type": "object",
    "required": ["error_key", "error_message"],
    "properties": {
        "error_key": {"type": "string", "minLength": 1},
        "error_message": {"type": "string"},
    },
    "additionalProperties": False,
}
ERROR_ARRAY = Draft4Validator({"type": "array", "minItems": 1, "items": ERROR_ENTRY})
ERROR_OBJECT = Draft4Validator(ERROR_ENTRY)
SINGLE_OBJECT_STATUSES = frozenset({401, 429})

# Statuses any operation may give though the spec lists them on only some: the
# documented global rate limits (notes, section 3), a rejected token, and the service
# failures that fault injection produces.
GATEWAY_STATUSES = frozenset({401, 429, 500, 503})

# An unknown path or method: the API's own not-found answers.
UNROUTED_STATUSES = frozenset({404, 405})

# How many tests of this folder the session deselected (counted by conftest.py): the
# coverage test judges only whole runs.
DESELECTED_TESTS = pytest.StashKey[int]()

MAX_REPORTED_ERRORS = 12
MAX_BODY_EXCERPT = 1500


@dataclass
class ContractLedger:
    """Which operations answered, with which statuses, and were found conforming."""

    answers: dict[str, Counter[int]] = field(default_factory=dict)

    def record(self, operation: Operation, status: int) -> None:
        self.answers.setdefault(operation.key, Counter())[status] += 1

    def statuses(self, operation_key: str) -> set[int]:
        return set(self.answers.get(operation_key, Counter()))

    def success_checked(self, operation_key: str) -> bool:
        """True once a 2xx answer of the operation passed its schema."""
        return any(200 <= status < 300 for status in self.statuses(operation_key))


def check_answer(
    contract: Contract,
    method: str,
    path: str,
    status: int,
    content_type: str,
    body: bytes,
) -> Operation | None:
    """Fail unless the answer conforms; return the operation it belongs to, if any."""
    try:
        operation, _ = contract.match(method, path)
    except UnknownOperationError:
        _check_unrouted(method, path, status, body)
        return None

    if operation.response(status) is None and not _always_possible(operation, status):
        documented = ", ".join(str(s) for s in sorted(operation.documented_statuses))
        raise ContractError(
            f"{operation.key} answered {status}, a status the spec does not document "
            f"for it (documented: {documented})\nbody: {_excerpt(body)}"
        )

    schema = contract.response_schema(operation, status)

    if schema is None:
        _check_schemaless(operation, status, body)
    elif schema.get("type") == "file" or not _produces_json(contract, operation):
        _check_download(operation, status, body)
    else:
        document = _parse_json(operation, status, content_type, body)
        validator = contract.response_validator(operation, status)
        _raise_for_errors(operation, status, validator, document, schema)

    return operation


def _always_possible(operation: Operation, status: int) -> bool:
    # Some operations omit 400 though they take input that can break a rule (GET
    # /contact_lists/{list_id} and its include_membership_count enum): a refusal
    # of bad input is then still the documented kind of answer.
    return status in GATEWAY_STATUSES or (status == 400 and operation.takes_input)


def error_shape(status: int) -> Draft4Validator:
    """The error body shape for a status: one object for 401/429, else an array."""
    return ERROR_OBJECT if status in SINGLE_OBJECT_STATUSES else ERROR_ARRAY


def _check_unrouted(method: str, path: str, status: int, body: bytes) -> None:
    if status not in UNROUTED_STATUSES | GATEWAY_STATUSES:
        raise UnknownOperationError(
            f"{method} {path} is no operation of the spec, yet it answered {status}"
        )

    _check_error_body(f"{method} {path}", status, body)


def _check_schemaless(operation: Operation, status: int, body: bytes) -> None:
    if status == 204 and body.strip():
        raise ContractError(
            f"{operation.key} answered 204 with a body: {_excerpt(body)}"
        )

    if status >= 400:
        _check_error_body(operation.key, status, body)


def _check_download(operation: Operation, status: int, body: bytes) -> None:
    if not body:
        raise ContractError(f"{operation.key} answered {status} with no content")


def _check_error_body(label: str, status: int, body: bytes) -> None:
    try:
        document = json.loads(body)
    except ValueError:
        raise ContractError(
            f"{label} answered {status} with a body that is not JSON: {_excerpt(body)}"
        ) from None

    validator = error_shape(status)
    errors = sorted(validator.iter_errors(document), key=_error_order)

    if errors:
        shape = "one object" if status in SINGLE_OBJECT_STATUSES else "an array"
        raise ContractError(
            f"{label} answered {status}; the documented error shape for it is {shape} "
            "of {error_key, error_message}:\n"
            + _describe(errors)
            + f"\nbody: {_excerpt(body)}"
        )


def _produces_json(contract: Contract, operation: Operation) -> bool:
    produces = operation.definition.get("produces", contract.document["produces"])
    return "application/json" in produces


def _parse_json(
    operation: Operation, status: int, content_type: str, body: bytes
) -> Any:
    if not content_type.split(";")[0].strip().endswith("json"):
        raise ContractError(
            f"{operation.key} answered {status} as {content_type!r}, not JSON"
        )

    try:
        return json.loads(body)
    except ValueError:
        raise ContractError(
            f"{operation.key} answered {status} with invalid JSON: {_excerpt(body)}"
        ) from None


def _raise_for_errors(
    operation: Operation,
    status: int,
    validator: Draft4Validator,
    document: Any,
    schema: dict[str, Any],
) -> None:
    errors = sorted(validator.iter_errors(document), key=_error_order)

    if not errors:
        return

    schema_name = schema.get("$ref", "an inline schema").rsplit("/", 1)[-1]
    raise ContractError(
        f"{operation.key} answered {status} with a body that breaks the spec's "
        f"schema ({schema_name}):\n"
        + _describe(errors)
        + f"\nbody: {_excerpt(json.dumps(document, indent=1).encode())}"
    )


def _describe(errors: list[ValidationError]) -> str:
    lines = []

    for error in errors[:MAX_REPORTED_ERRORS]:
        rule = "/".join(str(part) for part in error.relative_schema_path)
        message = _shortened(error.message)
        lines.append(f"  at {error.json_path}: {message}\n      (rule: {rule})")

    if len(errors) > MAX_REPORTED_ERRORS:
        lines.append(f"  ... and {len(errors) - MAX_REPORTED_ERRORS} more")

    return "\n".join(lines)


def _shortened(message: str) -> str:
    # jsonschema quotes the whole offending value first and the verdict last
    # ("[...] is too long"): keep both ends.
    if len(message) <= 200:
        return message

    return message[:80] + " ... " + message[-100:]


def _error_order(error: ValidationError) -> tuple[str, str]:
    return (error.json_path, error.message)


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")

    if len(text) > MAX_BODY_EXCERPT:
        return text[:MAX_BODY_EXCERPT] + f"... ({len(text)} characters)"

    return text
