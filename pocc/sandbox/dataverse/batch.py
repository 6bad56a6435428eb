"""`POST $batch`: several requests in one multipart/mixed body, as Dataverse runs them.

A change set (a nested multipart part) is atomic: its requests share one transaction
and the first failure rolls all of them back, answered by that one failure. Requests
outside change sets run on their own. Without `Prefer: odata.continue-on-error` the
batch stops at the first failure; with it every request runs. Inside a change set,
`Content-ID: n` lets later requests say `$n` for the row an earlier one wrote, in the
URL or in an `@odata.bind`. Each request is answered by `dispatch.handle`, exactly
as it would be on its own.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, urlsplit

from werkzeug.datastructures import Headers

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.messages import ApiRequest, ApiResponse
from pocc.sandbox.dataverse.references import ContentIds

logger = logging.getLogger(__name__)

MAX_REQUESTS = 1000
API_PATH = "/api/data/v9.2/"
BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)

# Runs one request (with the change set's Content-IDs, or None outside one).
Runner = Callable[[ApiRequest, ContentIds | None], ApiResponse]


@dataclass
class Operation:
    request: ApiRequest


@dataclass
class ChangeSet:
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Answer:
    """One top-level part of the response: a plain response or a change set's."""

    responses: list[tuple[str | None, ApiResponse]]
    change_set: bool


class _ChangeSetFailedError(Exception):
    def __init__(self, response: ApiResponse, content_id: str | None) -> None:
        super().__init__("change set failed")
        self.response = response
        self.content_id = content_id


def boundary_of(content_type: str | None) -> str:
    match = BOUNDARY.search(content_type or "")

    if match is None or not content_type.lower().startswith("multipart/mixed"):
        raise errors.bad_request(
            "The batch request must have a 'Content-Type' of multipart/mixed with a "
            "boundary."
        )

    return match.group(1)


def parse_batch(body: bytes, content_type: str | None, base_url: str) -> list:
    """The batch's top-level items: `Operation`s and `ChangeSet`s, in order."""
    items: list[Operation | ChangeSet] = []

    for headers, content in split_multipart(body, boundary_of(content_type)):
        part_type = headers.get("content-type", "")

        if part_type.lower().startswith("multipart/mixed"):
            change_set = ChangeSet()

            for inner_headers, inner in split_multipart(
                content, boundary_of(part_type)
            ):
                request = parse_http_request(inner, base_url, inner_headers)
                change_set.operations.append(Operation(request))

            _refuse_repeated_content_ids(change_set)
            items.append(change_set)
        else:
            items.append(Operation(parse_http_request(content, base_url, headers)))

    total = sum(
        len(item.operations) if isinstance(item, ChangeSet) else 1 for item in items
    )

    if total > MAX_REQUESTS:
        raise errors.bad_request(
            "The current batch message contains too many parts. Only a maximum number "
            f"of '{MAX_REQUESTS}' query operations and change sets are allowed in a "
            "batch message."
        )

    return items


def _refuse_repeated_content_ids(change_set: ChangeSet) -> None:
    seen: set[str] = set()

    for operation in change_set.operations:
        content_id = operation.request.content_id

        if content_id in seen:
            raise errors.bad_request(
                f"The content ID '{content_id}' was found more than once in the same "
                "change set or same batch request. Content IDs have to be unique "
                "across all operations of a change set for OData V4.0 and have to be "
                "unique across all operations in the whole batch request for OData "
                "V4.01."
            )

        if content_id:
            seen.add(content_id)


def split_multipart(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """(MIME headers, content) of each part between `--boundary` lines.

    A body that never opens with its boundary, or never closes it, is refused as
    a whole: running the parts of a truncated batch would write half of it.
    """
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)[1:]

    if not chunks:
        raise errors.bad_request(
            f"The batch request body does not contain the boundary '{boundary}'."
        )

    if not any(chunk.startswith(b"--") for chunk in chunks):
        raise errors.bad_request(
            f"The batch request body does not end with the boundary '{boundary}'."
        )

    parts = []

    for chunk in chunks:
        if chunk.startswith(b"--"):
            break

        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        chunk = chunk.removesuffix(b"\r\n").removesuffix(b"\n")
        headers, content = _split_head(chunk)
        parts.append((headers, content))

    return parts


def _split_head(chunk: bytes) -> tuple[dict[str, str], bytes]:
    normalised = chunk.replace(b"\r\n", b"\n")
    head, _, content = normalised.partition(b"\n\n")
    headers = {}

    for line in head.decode("utf-8", "replace").split("\n"):
        name, separator, value = line.partition(":")

        if separator:
            headers[name.strip().lower()] = value.strip()

    return headers, content


def parse_http_request(
    content: bytes, base_url: str, part_headers: dict[str, str]
) -> ApiRequest:
    """One `application/http` part: request line, headers, blank line, body."""
    normalised = content.replace(b"\r\n", b"\n")
    request_line, _, rest = normalised.partition(b"\n")
    words = request_line.decode("utf-8", "replace").split()

    if len(words) < 2:
        raise errors.bad_request("A batch part does not hold an HTTP request line.")

    method, target = words[0].upper(), words[1]
    headers, body = _split_head(rest)
    path, query_string = _resource_path(target)
    content_id = headers.get("content-id") or part_headers.get("content-id")

    return ApiRequest(
        method=method,
        path=path,
        query=dict(parse_qsl(query_string, keep_blank_values=True)),
        headers=Headers(list(headers.items())),
        body=body.strip(),
        url=f"{base_url}/{path}" + (f"?{query_string}" if query_string else ""),
        content_id=content_id,
    )


def _resource_path(target: str) -> tuple[str, str]:
    """The decoded resource path after `/api/data/v9.2/`, and the raw query string."""
    parts = urlsplit(target)
    path = parts.path

    if API_PATH in path:
        path = path.split(API_PATH, 1)[1]

    return unquote(path.lstrip("/")), parts.query


def execute(
    items: list, run: Runner, write: Callable, continue_on_error: bool
) -> tuple[list[Answer], int]:
    """Run the items in order; returns the answers and the batch's own status."""
    answers: list[Answer] = []

    for item in items:
        if isinstance(item, ChangeSet):
            answer = _run_change_set(item, run, write)
        else:
            response = run(item.request, None)
            answer = Answer([(None, response)], change_set=False)

        answers.append(answer)
        failure = next((r for _, r in answer.responses if r.status >= 400), None)

        if failure is not None and not continue_on_error:
            return answers, failure.status

    return answers, 200


def _run_change_set(change_set: ChangeSet, run: Runner, write: Callable) -> Answer:
    content_ids: ContentIds = {}
    responses: list[tuple[str | None, ApiResponse]] = []

    try:
        with write():
            for operation in change_set.operations:
                request = operation.request

                if request.method == "GET":
                    failure = ApiResponse.error(
                        errors.bad_request(
                            "GET requests are not allowed in a change set."
                        )
                    )
                    raise _ChangeSetFailedError(failure, request.content_id)

                response = run(request, content_ids)

                if response.status >= 400:
                    raise _ChangeSetFailedError(response, request.content_id)

                if request.content_id and response.reference is not None:
                    content_ids[request.content_id] = response.reference

                responses.append((request.content_id, response))
    except _ChangeSetFailedError as failed:
        logger.debug("change set rolled back: %s", failed.response.status)
        return Answer([(failed.content_id, failed.response)], change_set=False)

    return Answer(responses, change_set=True)


def render(answers: list[Answer]) -> tuple[str, bytes]:
    """The multipart/mixed response: (Content-Type, body)."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    lines: list[bytes] = []

    for answer in answers:
        lines.append(f"--{boundary}\r\n".encode())

        if answer.change_set:
            inner = f"changesetresponse_{uuid.uuid4()}"
            lines.append(
                f"Content-Type: multipart/mixed; boundary={inner}\r\n\r\n".encode()
            )

            for content_id, response in answer.responses:
                lines.append(f"--{inner}\r\n".encode())
                lines.append(_http_part(response, content_id))

            lines.append(f"--{inner}--\r\n".encode())
        else:
            content_id, response = answer.responses[0]
            lines.append(_http_part(response, content_id))

    lines.append(f"--{boundary}--\r\n".encode())
    return f"multipart/mixed; boundary={boundary}", b"".join(lines)


def _http_part(response: ApiResponse, content_id: str | None) -> bytes:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]

    if content_id:
        head.append(f"Content-ID: {content_id}")

    reason = HTTPStatus(response.status).phrase
    inner = [f"HTTP/1.1 {response.status} {reason}", "OData-Version: 4.0"]
    headers = dict(response.headers)

    if "OData-EntityId" in headers:
        headers.setdefault("Location", headers["OData-EntityId"])

    inner.extend(f"{name}: {value}" for name, value in headers.items())
    text = "\r\n".join(head) + "\r\n\r\n" + "\r\n".join(inner) + "\r\n\r\n"
    return text.encode() + response.body + b"\r\n"
