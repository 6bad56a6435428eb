"""The Constant Contact v3 contract, as the conformance tests read it.

The official contract is a Swagger 2.0 file (reference material, opened only through
`tests/reference.py`). This module loads it once, lists its operations, matches a
concrete request path to the spec's path template, and turns the spec's schemas into
JSON Schema draft 4 (the dialect Swagger 2.0 borrows) so that `jsonschema` can judge
responses. Swagger-only keywords are translated: `x-nullable` widens the type with
`null`, `type: file` accepts any content, and annotations (`example`, `readOnly`,
`discriminator`, `x-...`) are dropped.

Responses are judged strictly: an object schema that lists its properties admits no
others, so the sandbox cannot invent fields the real service does not document.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import yaml
from jsonschema import Draft4Validator

from tests.reference import reference_path
from tests.sandbox.constantcontact.spec_formats import FORMAT_CHECKER

try:
    # The spec is 700 kB of YAML: the C loader reads it in a tenth of a second.
    from yaml import CSafeLoader as SpecLoader
except ImportError:
    from yaml import SafeLoader as SpecLoader

logger = logging.getLogger(__name__)

SPEC_FILE = "constant-contact-v3.openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# Keys that only annotate a Swagger schema; draft 4 has no use for them.
ANNOTATION_KEYWORDS = frozenset(
    {"example", "readOnly", "discriminator", "xml", "externalDocs", "description"}
)

# Keys whose values are data, not sub-schemas, and must be copied untouched.
DATA_KEYWORDS = frozenset({"enum", "default", "required", "type", "format"})


class ContractError(AssertionError):
    """A response (or request) that breaks the Constant Contact v3 contract."""


class UnknownOperationError(ContractError):
    """No operation of the spec answers this method and path."""


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: a method on a path template, e.g. GET /contacts."""

    method: str
    template: str
    definition: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.definition.get("parameters", []))

    def parameter(self, name: str) -> dict[str, Any]:
        for parameter in self.parameters:
            if parameter["name"] == name:
                return parameter

        raise KeyError(f"{self.key} has no parameter {name!r}")

    @property
    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == "query"]

    @property
    def body_schema(self) -> dict[str, Any] | None:
        """The raw Swagger schema of the JSON body, or None when there is none."""
        for parameter in self.parameters:
            if parameter["in"] == "body":
                return parameter["schema"]

        return None

    @property
    def scopes(self) -> frozenset[str]:
        """The OAuth scopes the spec's `security` section asks of a caller."""
        scopes: set[str] = set()

        for requirement in self.definition.get("security", []):
            for scheme, names in requirement.items():
                if scheme.startswith("oauth2"):
                    scopes.update(names)

        return frozenset(scopes)

    @property
    def takes_input(self) -> bool:
        """True when a request can break a rule: a body, or a constrained parameter."""
        constrained = ("enum", "minimum", "maximum", "maxLength", "format", "items")

        return self.body_schema is not None or any(
            parameter.get("type") not in (None, "string")
            or set(parameter) & set(constrained)
            for parameter in self.query_parameters
        )

    @property
    def documented_statuses(self) -> frozenset[int]:
        return frozenset(int(status) for status in self.definition["responses"])

    def response(self, status: int) -> dict[str, Any] | None:
        """The spec's response object for a status, or None when it is undocumented."""
        return self.definition["responses"].get(str(status))


class Contract:
    """The whole spec: operations, path matching and (lazily built) validators."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.base_path = document["basePath"]
        self.operations = _read_operations(document["paths"])
        self._routes = _build_routes(self.operations.values())
        self._definitions = {
            name: to_json_schema(schema, strict=True)
            for name, schema in document["definitions"].items()
        }
        self._validators: dict[tuple[str, int], Draft4Validator | None] = {}

    def operation(self, method: str, template: str) -> Operation:
        try:
            return self.operations[(method.upper(), template)]
        except KeyError:
            raise UnknownOperationError(
                f"the spec has no operation {method} {template}"
            ) from None

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation that answers a concrete path (relative to the base path).

        Literal segments win over parameters, left to right, so that
        `/contacts/sign_up_form` is not read as `/contacts/{contact_id}`.
        """
        segments = _split(path)
        candidates = []

        for pattern, operation in self._routes.get(method.upper(), []):
            parameters = _match_segments(pattern, segments)

            if parameters is not None:
                specificity = tuple(name is not None for _, name in pattern)
                candidates.append(
                    (specificity, operation.template, operation, parameters)
                )

        if not candidates:
            raise UnknownOperationError(
                f"the spec has no operation for {method} {path}"
            )

        _, _, operation, parameters = min(candidates, key=lambda c: (c[0], c[1]))
        return operation, parameters

    def definition(self, name: str) -> dict[str, Any]:
        """A raw Swagger definition, e.g. `ContactResource`."""
        return self.document["definitions"][name]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A raw schema with its top-level `$ref` followed (repeatedly)."""
        while "$ref" in schema:
            schema = self.definition(schema["$ref"].rsplit("/", 1)[-1])

        return schema

    def response_validator(self, operation: Operation, status: int) -> Draft4Validator:
        """A cached validator for one (operation, status) with a JSON schema."""
        cache_key = (operation.key, status)

        if cache_key not in self._validators:
            schema = self.response_schema(operation, status)
            self._validators[cache_key] = self._compile(schema)

        validator = self._validators[cache_key]

        if validator is None:
            raise ContractError(f"{operation.key} has no schema for status {status}")

        return validator

    def response_schema(
        self, operation: Operation, status: int
    ) -> dict[str, Any] | None:
        response = operation.response(status)

        if response is None or "schema" not in response:
            return None

        return response["schema"]

    def compile_schema(self, schema: dict[str, Any]) -> Draft4Validator:
        """A validator for any raw Swagger schema, with the definitions in reach."""
        compiled = self._compile(schema)
        assert compiled is not None
        return compiled

    def _compile(self, schema: dict[str, Any] | None) -> Draft4Validator | None:
        if schema is None:
            return None

        root = to_json_schema(schema, strict=True)
        root["definitions"] = self._definitions
        return Draft4Validator(root, format_checker=FORMAT_CHECKER)


def to_json_schema(node: Any, strict: bool) -> Any:
    """A Swagger 2.0 schema rewritten as JSON Schema draft 4."""
    if isinstance(node, list):
        return [to_json_schema(item, strict) for item in node]

    if not isinstance(node, dict):
        return node

    converted: dict[str, Any] = {}

    for key, value in node.items():
        if key.startswith("x-") or key in ANNOTATION_KEYWORDS:
            continue

        if key == "properties":
            converted[key] = {
                name: to_json_schema(prop, strict) for name, prop in value.items()
            }
        elif key in DATA_KEYWORDS:
            converted[key] = copy.deepcopy(value)
        else:
            converted[key] = to_json_schema(value, strict)

    return _apply_swagger_quirks(node, converted, strict)


def _apply_swagger_quirks(
    original: dict[str, Any], converted: dict[str, Any], strict: bool
) -> dict[str, Any]:
    # A file (a download or a multipart upload) is bytes, not JSON: anything goes.
    if converted.get("type") == "file":
        converted.pop("type")
        converted.pop("format", None)

    # Swagger 2.0 has no null type; vendors mark nullable values with x-nullable.
    if original.get("x-nullable") is True and "type" in converted:
        converted["type"] = [converted["type"], "null"]

        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]

    # The spec puts maxItems: 0 on arrays whose descriptions give the real limits
    # (reference notes, section 8, item 4): read it as "no limit stated".
    if converted.get("maxItems") == 0:
        converted.pop("maxItems")

    # Swagger 2.0 is silent on nested objects' extra keys; responses are held to the
    # documented properties so the sandbox cannot invent fields.
    if strict and "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False

    return converted


def _read_operations(paths: dict[str, Any]) -> dict[tuple[str, str], Operation]:
    operations = {}

    for template, path_item in paths.items():
        shared_parameters = path_item.get("parameters", [])

        for method, definition in path_item.items():
            if method not in HTTP_METHODS:
                continue

            merged = dict(definition)
            merged["parameters"] = [
                *shared_parameters,
                *definition.get("parameters", []),
            ]
            key = (method.upper(), template)
            operations[key] = Operation(method.upper(), template, merged)

    return operations


Pattern = tuple[tuple[str, str | None], ...]


def _build_routes(operations: Any) -> dict[str, list[tuple[Pattern, Operation]]]:
    routes: dict[str, list[tuple[Pattern, Operation]]] = {}

    for operation in operations:
        pattern = tuple(_segment_pattern(s) for s in _split(operation.template))
        routes.setdefault(operation.method, []).append((pattern, operation))

    return routes


def _segment_pattern(segment: str) -> tuple[str, str | None]:
    parameter = re.fullmatch(r"\{(\w+)\}", segment)
    return (segment, parameter.group(1) if parameter else None)


def _split(path: str) -> list[str]:
    return path.split("?", 1)[0].strip("/").split("/")


def _match_segments(pattern: Pattern, segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None

    parameters = {}

    for (literal, name), segment in zip(pattern, segments, strict=True):
        if name is None and literal != segment:
            return None

        if name is not None:
            if not segment:
                return None

            parameters[name] = unquote(segment)

    return parameters


@functools.cache
def load_contract() -> Contract:
    """The contract, parsed once per test session (C YAML loader when available)."""
    path = reference_path(SPEC_FILE)

    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=SpecLoader)

    logger.debug("loaded %s: %s paths", path, len(document["paths"]))
    return Contract(document)
