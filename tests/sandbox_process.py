"""A sandbox run as tests see it: `python -m pocc sandbox` in a subprocess, over HTTPS.

The subprocess is started by `pocc.sandbox.process.SandboxProcess`; this module adds
the clients tests need (sessions with tokens, the admin endpoints).

Tests talk to the real CLI and the real TLS stack, never to the Flask app in-process.
Every HTTP helper here verifies the sandbox's own `ca.pem` and ignores the
environment (`trust_env = False`): CI sets `REQUESTS_CA_BUNDLE`, which requests would
otherwise let override the bundle, and proxy variables must not reroute localhost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from pocc.sandbox import process

PROJECT_ROOT = process.PROJECT_ROOT
REQUEST_TIMEOUT_SECONDS = 60
WEB_API_PATH = "api/data/v9.2/"
# Variables of the machine running the tests that must not reach the sandbox.
ISOLATED_VARIABLES = ("POCC_SANDBOX_FAULTS",)


class SandboxSession(requests.Session):
    """A requests session bound to one base URL, trusting only the sandbox CA.

    Relative URLs (`"contacts?$top=1"`) are joined to `base_url`; absolute ones
    (`@odata.nextLink`) are used as they are. Every request has a timeout.
    """

    def __init__(self, base_url: str, ca_bundle: Path) -> None:
        super().__init__()
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.verify = str(ca_bundle)
        self.trust_env = False

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        kwargs.setdefault("verify", self.verify)
        return super().request(method, urljoin(self.base_url, url), *args, **kwargs)


class SandboxProcess(process.SandboxProcess):
    """The sandbox as tests use it: debug logging, no inherited fault plan, and
    HTTP clients that trust only its CA. Starting and stopping is the product's
    own `pocc.sandbox.process.SandboxProcess`, the one the demo uses.
    """

    def __init__(
        self,
        data_dir: Path,
        orgs: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(
            data_dir,
            port=port,
            orgs=orgs,
            extra_env=env,
            log_level="DEBUG",
            dropped_env=ISOLATED_VARIABLES,
        )
        self._tokens: dict[tuple[str, str], str] = {}

    def start(self) -> dict[str, Any]:
        self._tokens.clear()
        return super().start()

    # -- what sandbox.json says ----------------------------------------------------

    @property
    def ca_bundle(self) -> Path:
        return Path(self.config["ca_bundle"])

    @property
    def identity(self) -> dict[str, str]:
        return self.config["identity"]

    @property
    def org_url(self) -> str:
        """The URL of the first (default) organisation."""
        return self.org_url_of(self.orgs[0] if self.orgs else "contoso")

    def org_url_of(self, org: str) -> str:
        orgs = self.config.get("orgs", {})
        return orgs[org]["url"] if org in orgs else f"{self.base_url}/dataverse/{org}"

    def web_api_url(self, org: str | None = None) -> str:
        return f"{self.org_url_of(org) if org else self.org_url}/{WEB_API_PATH}"

    # -- clients -------------------------------------------------------------------

    def http(self, base_url: str | None = None) -> SandboxSession:
        """A session with no token, relative to `base_url` (default: the server)."""
        return SandboxSession(base_url or self.base_url, self.ca_bundle)

    def token(self, app: str = "pocc", org: str | None = None) -> str:
        """An access token for `app` ("pocc" or "admin") to call an org's Web API."""
        org_url = self.org_url_of(org) if org else self.org_url
        key = (app, org_url)

        if key not in self._tokens:
            self._tokens[key] = self._fetch_token(app, org_url)

        return self._tokens[key]

    def app_session(self, org: str | None = None) -> SandboxSession:
        """pocc's application user (AppUser role), relative to the org's Web API."""
        return self._web_api_session("pocc", org)

    def admin_session(self, org: str | None = None) -> SandboxSession:
        """The System Administrator application user, relative to the Web API."""
        return self._web_api_session("admin", org)

    def sandbox_admin(
        self, method: str, path: str, json: Any = None
    ) -> requests.Response:
        """Call `/_sandbox/{path}`; the answer is returned, not checked."""
        url = f"{self.base_url}/_sandbox/{path.lstrip('/')}"
        return self.http().request(method, url, json=json)

    @contextmanager
    def faults(self, plan: dict[str, Any]) -> Iterator[None]:
        """Apply a fault plan for the duration of a `with` block."""
        answer = self.sandbox_admin("PUT", "faults", plan)
        assert answer.status_code == 200, answer.text

        try:
            yield
        finally:
            self.sandbox_admin("DELETE", "faults")

    @contextmanager
    def settings(self, changes: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Change sandbox settings inside a `with` block, then put them back."""
        before = self.sandbox_admin("GET", "settings").json()
        answer = self.sandbox_admin("PATCH", "settings", changes)
        assert answer.status_code == 200, answer.text

        try:
            yield answer.json()
        finally:
            self.sandbox_admin("PATCH", "settings", _same_keys(before, changes))

    def _web_api_session(self, app: str, org: str | None) -> SandboxSession:
        session = SandboxSession(self.web_api_url(org), self.ca_bundle)
        session.headers.update(
            {
                "Authorization": f"Bearer {self.token(app, org)}",
                "Accept": "application/json",
                "OData-MaxVersion": "4.0",
                "OData-Version": "4.0",
            }
        )
        return session

    def _fetch_token(self, app: str, org_url: str) -> str:
        identity = self.identity
        prefix = "" if app == "pocc" else f"{app}_"
        token_url = (
            f"{identity['authority_host']}/{identity['tenant_id']}/oauth2/v2.0/token"
        )
        form = {
            "grant_type": "client_credentials",
            "client_id": identity[f"{prefix}client_id"],
            "client_secret": identity[f"{prefix}client_secret"],
            "scope": f"{org_url}/.default",
        }
        answer = self.http().post(token_url, data=form)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]


def _same_keys(values: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
    """The part of `values` that `shape` names (to undo a settings change)."""
    return {
        key: _same_keys(values[key], sub) if isinstance(sub, dict) else values[key]
        for key, sub in shape.items()
    }
