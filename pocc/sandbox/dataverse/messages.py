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

        try:
            return json.loads(self.body)
        except ValueError:
            raise errors.payload("The request body is not valid JSON.") from None


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
