"""`$batch` writes: many operations in few requests, with each item's outcome reported.

A `$batch` request is `multipart/mixed`; each part is one HTTP request, and a nested
`multipart/mixed` part is a change set that Dataverse runs atomically (reference notes,
2.10). At most 1,000 operations travel in one request, so `chunks` splits the work
without ever splitting a change set. `Prefer: odata.continue-on-error` makes a failing
operation outside a change set stop only itself. A failing change set answers with a
single error part; every operation in it is then reported as failed (rolled back).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from pocc.dataverse.query import Key, checked_name, format_key
from pocc.errors import (
    DataverseError,
    UnexpectedResponseError,
    dataverse_error,
    dataverse_failure,
)

logger = logging.getLogger(__name__)

MAX_BATCH_OPERATIONS = 1000
IDEMPOTENT_METHODS = frozenset({"GET", "PATCH", "PUT", "DELETE"})

_ENTITY_ID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")


@dataclass(frozen=True)
class Operation:
    """One write inside a batch. `path` is relative to the Web API root."""

    method: str
    path: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, entity_set: str, record: Mapping[str, Any]) -> Operation:
        return cls("POST", checked_name(entity_set), record)

    @classmethod
    def update(cls, entity_set: str, key: Key, changes: Mapping[str, Any]) -> Operation:
        # If-Match: * turns PATCH's implicit create into a 404 for a missing row.
        path = checked_name(entity_set) + format_key(key)
        return cls("PATCH", path, changes, {"If-Match": "*"})

    @classmethod
    def upsert(cls, entity_set: str, key: Key, record: Mapping[str, Any]) -> Operation:
        return cls("PATCH", checked_name(entity_set) + format_key(key), record)

    @classmethod
    def delete(cls, entity_set: str, key: Key) -> Operation:
        return cls("DELETE", checked_name(entity_set) + format_key(key))

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS


@dataclass(frozen=True)
class ChangeSet:
    """Operations that succeed or fail together."""

    operations: Sequence[Operation]


Item = Operation | ChangeSet


@dataclass
class Outcome:
    """What happened to one operation."""

    operation: Operation
    status: int
    entity_id: str | None = None
    body: Any = None
    error: DataverseError | None = None
    # It did nothing because another operation of its change set failed.
    rolled_back: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300


def in_change_sets(operations: Iterable[Operation], size: int) -> list[ChangeSet]:
    """`operations` grouped into atomic change sets of at most `size`."""
    listed = list(operations)
    return [
        ChangeSet(listed[start : start + size]) for start in range(0, len(listed), size)
    ]


def chunks(
    items: Iterable[Item], limit: int = MAX_BATCH_OPERATIONS
) -> Iterator[list[Item]]:
    """Items grouped into batches of at most `limit` operations."""
    chunk: list[Item] = []
    size = 0

    for item in items:
        count = len(item.operations) if isinstance(item, ChangeSet) else 1

        if count > limit:
            raise ValueError(f"a change set of {count} operations exceeds {limit}")

        if size + count > limit:
            yield chunk
            chunk, size = [], 0

        chunk.append(item)
        size += count

    if chunk:
        yield chunk


def operations_of(items: Sequence[Item]) -> list[Operation]:
    flat: list[Operation] = []

    for item in items:
        flat.extend(item.operations if isinstance(item, ChangeSet) else [item])

    return flat


def encode(items: Sequence[Item], api_base: str) -> tuple[str, bytes]:
    """The `Content-Type` and body of one `$batch` request."""
    boundary = f"batch_{uuid.uuid4()}"
    lines: list[str] = []

    for item in items:
        lines.append(f"--{boundary}")

        if isinstance(item, ChangeSet):
            lines.extend(_encode_change_set(item, api_base))
        else:
            lines.extend(_encode_operation(item, api_base, content_id=None))

    lines.append(f"--{boundary}--")
    lines.append("")
    body = "\r\n".join(lines).encode("utf-8")
    return f"multipart/mixed; boundary={boundary}", body


def _encode_change_set(change_set: ChangeSet, api_base: str) -> list[str]:
    boundary = f"changeset_{uuid.uuid4()}"
    lines = [f"Content-Type: multipart/mixed; boundary={boundary}", ""]

    for number, operation in enumerate(change_set.operations, start=1):
        lines.append(f"--{boundary}")
        lines.extend(_encode_operation(operation, api_base, content_id=number))

    lines.append(f"--{boundary}--")
    return lines


def _encode_operation(
    operation: Operation, api_base: str, content_id: int | None
) -> list[str]:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]

    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")

    lines += ["", f"{operation.method} {api_base}{operation.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in operation.headers.items()]

    if operation.body is None:
        return [*lines, ""]

    lines.append("Content-Type: application/json; type=entry")
    return [*lines, "", json.dumps(operation.body, ensure_ascii=False)]


@dataclass
class _Part:
    headers: CaseInsensitiveDict[str]
    content: str


@dataclass
class _Answer:
    status: int
    headers: CaseInsensitiveDict[str]
    body: str


def decode(content_type: str, body: str, items: Sequence[Item]) -> list[Outcome]:
    """One outcome per operation of `items`, in order, from a `$batch` answer."""
    parts = iter(_split(body, _boundary(content_type)))
    outcomes: list[Outcome] = []

    for item in items:
        part = next(parts, None)

        if isinstance(item, ChangeSet):
            outcomes.extend(_change_set_outcomes(item, part))
        else:
            outcomes.append(_operation_outcome(item, part))

    return outcomes


def _change_set_outcomes(change_set: ChangeSet, part: _Part | None) -> list[Outcome]:
    operations = change_set.operations

    if part is None:
        return [_not_run(operation) for operation in operations]

    content_type = part.headers.get("content-type", "")

    if content_type.startswith("multipart/mixed"):
        inner = _split(part.content, _boundary(content_type))
        answers = [*inner, *([None] * (len(operations) - len(inner)))]
        return [
            _operation_outcome(operation, answer)
            for operation, answer in zip(operations, answers, strict=False)
        ]

    # One error answer for the whole change set: nothing in it was kept.
    failed = _parse_answer(part.content)
    culprit = part.headers.get("content-id")
    outcomes = []

    for number, operation in enumerate(operations, start=1):
        outcome = _outcome_from_answer(operation, failed)
        outcome.rolled_back = culprit is not None and culprit != str(number)
        outcomes.append(outcome)

    return outcomes


def _operation_outcome(operation: Operation, part: _Part | None) -> Outcome:
    if part is None:
        return _not_run(operation)

    return _outcome_from_answer(operation, _parse_answer(part.content))


def _outcome_from_answer(operation: Operation, answer: _Answer) -> Outcome:
    body = _json_or_none(answer.body)

    if answer.status >= 400:
        error = dataverse_error(
            answer.status,
            answer.headers,
            answer.body,
            method=operation.method,
            path=operation.path,
            doing="running one operation of a $batch",
        )
        return Outcome(operation, answer.status, body=body, error=error)

    entity_id = entity_id_of(answer.headers.get("odata-entityid", ""))

    if entity_id is None and isinstance(body, dict):
        entity_id = entity_id_of(str(body.get("@odata.id", "")))

    return Outcome(operation, answer.status, entity_id=entity_id, body=body)


def _not_run(operation: Operation) -> Outcome:
    error = dataverse_failure(
        UnexpectedResponseError,
        "the $batch answer has no part for this operation; it may not have run.",
        method=operation.method,
        path=operation.path,
        doing="running one operation of a $batch",
    )
    return Outcome(operation, 0, error=error)


def entity_id_of(url: str) -> str | None:
    """The GUID at the end of an `OData-EntityId` URL, lower-cased."""
    match = _ENTITY_ID.search(url)
    return match.group(1).lower() if match else None


def _boundary(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)

    if not match:
        raise dataverse_failure(
            UnexpectedResponseError,
            f"a $batch answer without a multipart boundary ({content_type!r}).",
            doing="reading a $batch answer",
        )

    return match.group(1)


def _split(body: str, boundary: str) -> list[_Part]:
    """The parts of a multipart body, each with its MIME headers."""
    parts = []
    segments = re.split(rf"\r?\n?--{re.escape(boundary)}(?:--)?[ \t]*\r?\n?", body)

    for segment in segments[1:]:
        if not segment.strip():
            continue

        head, _, content = _split_head(segment)
        parts.append(_Part(_headers(head), content))

    return parts


def _split_head(text: str) -> tuple[str, str, str]:
    match = re.search(r"\r?\n\r?\n", text)

    if not match:
        return text, "", ""

    return text[: match.start()], match.group(0), text[match.end() :]


def _headers(head: str) -> CaseInsensitiveDict[str]:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()

    for line in head.splitlines():
        name, separator, value = line.partition(":")

        if separator:
            headers[name.strip()] = value.strip()

    return headers


def _parse_answer(content: str) -> _Answer:
    head, _, body = _split_head(content.lstrip("\r\n"))
    status_line, _, header_text = head.partition("\n")
    fields = status_line.split()

    if len(fields) < 2 or not fields[1].isdigit():
        raise dataverse_failure(
            UnexpectedResponseError,
            f"a $batch part without an HTTP status line ({status_line.strip()!r}).",
            doing="reading a $batch answer",
        )

    return _Answer(int(fields[1]), _headers(header_text), body.strip())


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
