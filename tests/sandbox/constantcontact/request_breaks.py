"""Requests that break the spec's request schema, generated from the spec itself.

Given an operation and one valid request for it, `body_breaks` walks the body's Swagger
schema alongside the valid body and makes one broken copy per constraint the spec
states on a field the body carries: a required field left out, a value of the wrong
type, a string one character too long, an array one item too long or too short, a
number just outside its range. `query_breaks` does the same for the operation's query
parameters: values outside the enum, not a number, not a boolean, not a date-time,
outside the range, too many comma-separated values. Each break names the field, so a
test can ask that the refusal mention it.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.sandbox.constantcontact.spec import Contract, Operation

# Limits the spec states only in prose, or states twice and differently. Reference
# notes section 5 (GET /emails: 1-500, no schema bound) and section 8, item 3
# (GET /contact_lists: text 1-500, schema 1000; the sandbox takes the stricter one).
QUERY_RANGES_IN_PROSE = {
    ("GET", "/emails", "limit"): (1, 500),
    ("GET", "/contact_lists", "limit"): (1, 500),
}

WRONG_TYPE_VALUES: dict[str, Any] = {
    "string": {"unexpected": "object"},
    "integer": "not a number",
    "number": "not a number",
    "boolean": "not a boolean",
    "array": "not an array",
    "object": "not an object",
}


@dataclass(frozen=True)
class Break:
    """One broken request: what rule it breaks, on which field, and the request."""

    kind: str
    field: str
    names: tuple[str, ...]
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.field})"


def body_breaks(contract: Contract, schema: dict[str, Any], valid: Any) -> list[Break]:
    """One break per constraint of `schema` on a field present in `valid`."""
    found: list[Break] = []
    _walk(contract, schema, valid, (), valid, found)
    return found


def query_breaks(operation: Operation) -> list[Break]:
    """One break per constraint on each query parameter of the operation."""
    found = []

    for parameter in operation.query_parameters:
        for kind, value in _bad_query_values(operation, parameter):
            name = parameter["name"]
            found.append(Break(kind, name, (name,), query={name: value}))

    return found


def _walk(
    contract: Contract,
    schema: dict[str, Any],
    value: Any,
    path: tuple[str | int, ...],
    root: Any,
    found: list[Break],
) -> None:
    schema = contract.resolve(schema)
    declared = schema.get("type")

    if path and declared in WRONG_TYPE_VALUES:
        wrong = WRONG_TYPE_VALUES[declared]
        found.append(_replaced(root, path, wrong, "wrong type"))

    if declared == "object" and isinstance(value, dict):
        _walk_object(contract, schema, value, path, root, found)
    elif declared == "array" and isinstance(value, list) and value:
        _walk_array(contract, schema, value, path, root, found)
    elif declared == "string" and isinstance(value, str) and "maxLength" in schema:
        too_long = _lengthened(value, schema["maxLength"] + 1)
        found.append(_replaced(root, path, too_long, "too long"))
    elif declared in ("integer", "number") and isinstance(value, int | float):
        if "maximum" in schema:
            found.append(_replaced(root, path, schema["maximum"] + 1, "above maximum"))

        if "minimum" in schema:
            found.append(_replaced(root, path, schema["minimum"] - 1, "below minimum"))


def _walk_object(
    contract: Contract,
    schema: dict[str, Any],
    value: dict[str, Any],
    path: tuple[str | int, ...],
    root: Any,
    found: list[Break],
) -> None:
    for name in schema.get("required", []):
        if name in value:
            found.append(_removed(root, (*path, name)))

    for name, property_schema in schema.get("properties", {}).items():
        if name in value:
            _walk(contract, property_schema, value[name], (*path, name), root, found)


def _walk_array(
    contract: Contract,
    schema: dict[str, Any],
    value: list[Any],
    path: tuple[str | int, ...],
    root: Any,
    found: list[Break],
) -> None:
    # maxItems 0 is a known spec bug (notes section 8, item 4): no limit stated.
    if schema.get("maxItems"):
        too_many = _distinct_items(value[0], schema["maxItems"] + 1)
        found.append(_replaced(root, path, too_many, "too many items"))

    if schema.get("minItems", 0) >= 1:
        too_few = value[: schema["minItems"] - 1]
        found.append(_replaced(root, path, too_few, "too few items"))

    _walk(contract, schema.get("items", {}), value[0], (*path, 0), root, found)


def _bad_query_values(
    operation: Operation, parameter: dict[str, Any]
) -> list[tuple[str, str]]:
    bad = []
    kind = parameter.get("type")
    enum = parameter.get("enum") or parameter.get("items", {}).get("enum")
    low, high = _range(operation, parameter)

    if enum:
        bad.append(("not in enum", "no_such_value"))

    if kind == "boolean":
        bad.append(("not a boolean", "maybe"))

    if parameter.get("format") == "date-time":
        bad.append(("not a date-time", "last tuesday"))

    if low is not None or high is not None or kind == "integer":
        bad.append(("not a number", "many"))

    if low is not None:
        bad.append(("below minimum", str(low - 1)))

    if high is not None:
        bad.append(("above maximum", str(high + 1)))

    if kind == "string" and _counts_items(parameter):
        count = parameter["maximum"] + 1
        numeric = str(parameter.get("x-example", "")).isdigit()
        ids = [str(n + 1) if numeric else str(uuid.uuid4()) for n in range(count)]
        bad.append(("too many values", ",".join(ids)))

    return bad


def _range(
    operation: Operation, parameter: dict[str, Any]
) -> tuple[int | None, int | None]:
    stated = QUERY_RANGES_IN_PROSE.get(
        (operation.method, operation.template, parameter["name"])
    )

    if stated:
        return stated

    if parameter.get("type") == "string" and _counts_items(parameter):
        return None, None

    return parameter.get("minimum"), parameter.get("maximum")


def _counts_items(parameter: dict[str, Any]) -> bool:
    """A string parameter whose `maximum` counts comma-separated values (lists: 25).

    The spec puts `maximum` on strings in two senses: a count of ids, and the range
    of a number typed as a string (tracking reports' `limit`, default "500").
    """
    default = str(parameter.get("default", ""))
    return "maximum" in parameter and not default.isdigit()


def _lengthened(value: str, length: int) -> str:
    # Keep an address an address, so only its length is wrong.
    if "@" in value:
        domain = value.partition("@")[2]
        return "a" * max(1, length - len(domain) - 1) + "@" + domain

    return (value or "x") + "x" * (length - len(value or "x"))


def _distinct_items(example: Any, count: int) -> list[Any]:
    if isinstance(example, str) and _looks_like_uuid(example):
        return [str(uuid.uuid4()) for _ in range(count)]

    if isinstance(example, str) and "@" in example:
        return [f"spec.break.{index}@example.com" for index in range(count)]

    if isinstance(example, str):
        return [f"{example}{index}" for index in range(count)]

    return [copy.deepcopy(example) for _ in range(count)]


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False

    return True


def _replaced(root: Any, path: tuple[str | int, ...], value: Any, kind: str) -> Break:
    body = copy.deepcopy(root)
    _parent(body, path)[path[-1]] = value
    return Break(kind, _dotted(path), _names(path), body=body)


def _removed(root: Any, path: tuple[str | int, ...]) -> Break:
    body = copy.deepcopy(root)
    del _parent(body, path)[path[-1]]
    return Break("missing required", _dotted(path), _names(path), body=body)


def _parent(body: Any, path: tuple[str | int, ...]) -> Any:
    for step in path[:-1]:
        body = body[step]

    return body


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(f"[{step}]" if isinstance(step, int) else step for step in path)


def _names(path: tuple[str | int, ...]) -> tuple[str, ...]:
    """The field names a refusal may mention: the field and the ones enclosing it."""
    return tuple(step for step in reversed(path) if isinstance(step, str))
