"""The one boundary between the Dataverse client and HTTP.

`Transport.send` adds the OData headers and the bearer token, runs the call through
the retry policy (which decides every retry and wait), and turns a refused answer
into a `pocc.errors` exception carrying the method, the path and what was being done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

from pocc.dataverse import batch
from pocc.dataverse.auth import API_PATH, DataverseAuth
from pocc.dataverse.retry import RetryPolicy
from pocc.errors import (
    DataverseError,
    UnexpectedResponseError,
    dataverse_error,
    dataverse_failure,
)
from pocc.redaction import redact
from pocc.retry import Call

logger = logging.getLogger(__name__)

ODATA_HEADERS = {
    "Accept": "application/json",
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
}
SAFE_METHODS = frozenset({"GET", "PATCH", "PUT", "DELETE"})


class Transport:
    """One organisation's Web API session, token and retry policy."""

    def __init__(
        self,
        org_url: str,
        auth: DataverseAuth,
        session: requests.Session,
        policy: RetryPolicy,
    ) -> None:
        self.api_base = org_url.rstrip("/") + API_PATH
        self.auth = auth
        self.session = session
        self.policy = policy

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        doing: str,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Sends one call (with retries) and returns its accepted answer."""
        url = path_or_url
        path = path_or_url.removeprefix(self.api_base)

        if not url.startswith(self.api_base):
            url = self.api_base + path_or_url

        safe = method in SAFE_METHODS
        call = Call(method, path, doing, safe if idempotent is None else idempotent)
        request_headers = {**ODATA_HEADERS, **(headers or {})}
        sent: list[str] = []

        def attempt(refresh: bool) -> requests.Response:
            if refresh:
                token = self.auth.refresh(sent[-1] if sent else None)
            else:
                token = self.auth.token()

            sent.append(token)
            request_headers["Authorization"] = f"Bearer {token}"
            return self.session.request(
                method,
                url,
                params=params,
                json=body,
                data=data,
                headers=request_headers,
            )

        def to_error(response: requests.Response, doing_text: str) -> DataverseError:
            text = response.content.decode("utf-8", errors="replace")
            return dataverse_error(
                response.status_code,
                response.headers,
                text,
                method=method,
                path=path,
                doing=doing_text,
            )

        response = self.policy.run(call, attempt, to_error)
        logger.debug("%s %s -> %s", method, redact(path), response.status_code)
        return response

    def json(self, response: requests.Response, path: str) -> dict[str, Any]:
        try:
            value = response.json()
        except ValueError:
            value = None

        if not isinstance(value, dict):
            raise dataverse_failure(
                UnexpectedResponseError,
                "Dataverse answered without the JSON object the protocol promises.",
                method=response.request.method,
                path=path,
                status=response.status_code,
            )

        return value

    def entity_id(self, response: requests.Response, entity_set: str) -> str:
        entity_id = batch.entity_id_of(response.headers.get("OData-EntityId", ""))

        if entity_id is None:
            raise dataverse_failure(
                UnexpectedResponseError,
                "Dataverse did not name the row it wrote (no OData-EntityId header).",
                path=entity_set,
                status=response.status_code,
            )

        return entity_id
