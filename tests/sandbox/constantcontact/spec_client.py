"""A requests-like client for the sandbox's v3 API that holds every answer to the spec.

`ContractClient.get("/contacts", params=...)` (and post, put, patch, delete, request)
sends the call with the harness's bearer token and, before handing the response back,
checks it against the spec (`spec_conformance.check_answer`), failing the test with a
readable report when it does not conform, and records the operation in the session's
ledger. Paths are relative to the API URL; `_links` hrefs (server-relative) and full
URLs are accepted as they come.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from tests.sandbox.constantcontact import oauth_login
from tests.sandbox.constantcontact.spec import Contract, ContractError
from tests.sandbox.constantcontact.spec_conformance import ContractLedger, check_answer

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 60


class TokenSource:
    """The harness's own grant: authorized once, refreshed or re-authorized on demand.

    The sandbox clock may be moved past the token's 24 hours, and another test may
    authorize the same application again; either way a 401 on the harness's own token
    is answered by renewing it once (see `ContractClient.request`).
    """

    def __init__(self, config: dict[str, Any], ca_bundle: str) -> None:
        self._config = config
        self._ca_bundle = ca_bundle
        self._tokens: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def tokens(self) -> dict[str, Any]:
        with self._lock:
            if self._tokens is None:
                self._tokens = oauth_login.authorize(self._config, self._ca_bundle)

            return self._tokens

    @property
    def access_token(self) -> str:
        return self.tokens["access_token"]

    def renew(self, stale_token: str) -> str:
        """A new access token, unless another caller renewed it already."""
        with self._lock:
            if self._tokens is not None and self._tokens["access_token"] != stale_token:
                return self._tokens["access_token"]

            self._tokens = self._refreshed_or_new()
            return self._tokens["access_token"]

    def _refreshed_or_new(self) -> dict[str, Any]:
        refresh_token = (self._tokens or {}).get("refresh_token")

        if refresh_token:
            try:
                return oauth_login.refresh(self._config, self._ca_bundle, refresh_token)
            except oauth_login.LoginError:
                logger.info("harness refresh token refused; authorizing again")

        return oauth_login.authorize(self._config, self._ca_bundle)


class ContractClient:
    """Calls the v3 API and fails the test on any answer the spec does not allow."""

    def __init__(
        self,
        api_url: str,
        ca_bundle: str,
        contract: Contract,
        ledger: ContractLedger,
        tokens: TokenSource | None = None,
        token: str | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.ca_bundle = ca_bundle
        self.contract = contract
        self.ledger = ledger
        self._tokens = tokens
        self._token = token
        self._api_path = urlsplit(self.api_url).path
        self._session = oauth_login.new_session()
        self._session.headers["Accept"] = "application/json"

    def with_token(self, token: str | None) -> ContractClient:
        """The same checks with another bearer token (None: send no Authorization)."""
        return ContractClient(
            self.api_url, self.ca_bundle, self.contract, self.ledger, token=token or ""
        )

    def url(self, path: str) -> str:
        if path.startswith(("https://", "http://")):
            return path

        if path.startswith(self._api_path + "/"):
            return urljoin(self.api_url, path)

        return self.api_url + "/" + path.lstrip("/")

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        token = self._current_token()
        response = self._send(method, path, token, kwargs)
        own_token = "Authorization" not in (kwargs.get("headers") or {})

        if response.status_code == 401 and self._tokens is not None and own_token:
            self._check(method, response)
            response = self._send(method, path, self._tokens.renew(token), kwargs)

        self._check(method, response)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def pages(
        self, path: str, items_key: str, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, following `_links.next.href` page by page."""
        next_path: str | None = path

        while next_path:
            response = self.get(next_path, **kwargs)
            assert response.status_code == 200, response.text
            body = response.json()
            yield from body.get(items_key, [])

            next_link = (body.get("_links") or {}).get("next") or {}
            next_path = next_link.get("href")
            kwargs.pop("params", None)

    def _current_token(self) -> str:
        if self._tokens is not None:
            return self._tokens.access_token

        return self._token or ""

    def _send(
        self, method: str, path: str, token: str, kwargs: dict[str, Any]
    ) -> requests.Response:
        headers = dict(kwargs.get("headers") or {})
        options = {key: value for key, value in kwargs.items() if key != "headers"}

        if token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {token}"

        response = self._session.request(
            method,
            self.url(path),
            headers=headers,
            verify=self.ca_bundle,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            **options,
        )
        return response

    def _check(self, method: str, response: requests.Response) -> None:
        path = urlsplit(response.request.url).path

        if not path.startswith(self._api_path):
            raise ContractError(f"{method} {response.request.url} left the v3 API")

        operation = check_answer(
            self.contract,
            method,
            path[len(self._api_path) :] or "/",
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.content,
        )

        if operation is not None:
            self.ledger.record(operation, response.status_code)
