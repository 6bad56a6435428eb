"""A Web API request and its answer as plain objects, free of Flask.

The blueprint builds an `ApiRequest` from the HTTP request; `$batch` builds one from
each of its parts. Both get back an `ApiResponse`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pocc.sandbox.dataverse import errors
from pocc.sandbox.dataverse.preferences import Preferences
from pocc.sandbox.dataverse.references import Reference

JSON_TYPE = "application/json; odata.metadata=minimal"


@dataclass
class ApiRequest:
    method: str
    # The resource path after `/api/data/v9.2/`, percent-decoded.
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    # The full request URL, which `@odata.nextLink` is built from.
    url: str
    content_id: str | None = None

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if value else None

    @property
    def prefer(self) -> Preferences:
        return Preferences.parse(self.header("Prefer"))

    def json(self) -> Any:
        if not self.body.strip():
            return {}

        return read_json(self.body)


def read_json(body: bytes) -> Any:
    """A request body as OData's JSON reader takes it, or its 400.

    Beyond what `json` refuses: a property named twice in one object (OData allows
    no duplicate property names), nesting deeper than the reader follows, and text
    that is not Unicode (a lone surrogate escape, which no stored column can hold).
    """
    try:
        document = json.loads(body, object_pairs_hook=_without_duplicates)
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise errors.payload(
            "The request body nests deeper than the JSON reader allows."
        ) from None
    except UnicodeError:
        raise errors.payload(
            "The request body holds text that is not Unicode."
        ) from None
    except ValueError as error:
        message = str(error) if isinstance(error, _DuplicatePropertyError) else ""
        raise errors.payload(message or "The request body is not valid JSON.") from None

    return document


class _DuplicatePropertyError(ValueError):
    pass


def _without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}

    for name, value in pairs:
        if name in document:
            raise _DuplicatePropertyError(
                f"Multiple properties with the name '{name}' were detected in an "
                "entry or a complex value. In OData, duplicate property names are "
                "not allowed."
            )

        document[name] = value

    return document


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # The row a create or upsert addressed, for Content-ID references.
    reference: Reference | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None):
        all_headers = {"Content-Type": JSON_TYPE, **(headers or {})}
        return cls(status, all_headers, json.dumps(payload).encode())

    @classmethod
    def error(cls, error: errors.DataverseError) -> ApiResponse:
        if error.status == 401:
            return cls(401, dict(error.headers))

        return cls.json(error.status, error.body(), dict(error.headers))
