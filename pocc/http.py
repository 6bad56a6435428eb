"""The shared TLS and timeout rule for every HTTP call pocc makes.

Both service clients, and msal through its `http_client`, use a `VerifiedSession`:

- When a CA bundle is configured, certificates are verified against it and nothing
  else. `requests` normally lets an inherited `REQUESTS_CA_BUNDLE` (or
  `CURL_CA_BUNDLE`) replace a session's `verify` whenever `trust_env` is on, and many
  machines set that variable; the session re-imposes the configured bundle after
  requests has merged the environment, so the variable cannot override it. Proxies
  from the environment still apply.
- Every call gets a timeout, even when the caller (msal, for one) passes none.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import requests

import pocc

logger = logging.getLogger(__name__)

# Microsoft's Web API samples use two minutes; connecting should never take long.
DEFAULT_TIMEOUT_SECONDS = 120.0
CONNECT_TIMEOUT_SECONDS = 10.0


class VerifiedSession(requests.Session):
    """A requests session pinned to one CA bundle, with a timeout on every call."""

    def __init__(
        self,
        *,
        ca_bundle: Path | str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__()
        self.ca_bundle = str(ca_bundle) if ca_bundle else None
        self.timeout = (min(CONNECT_TIMEOUT_SECONDS, timeout_seconds), timeout_seconds)
        self.headers["User-Agent"] = f"pocc/{pocc.__version__}"

        if self.ca_bundle:
            self.verify = self.ca_bundle

    def request(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout

        return super().request(method, url, **kwargs)

    def merge_environment_settings(
        self,
        url: str | bytes | None,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> dict[str, Any]:
        settings = super().merge_environment_settings(
            url, proxies, stream, verify, cert
        )

        # requests has just let REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in; the configured
        # bundle wins over them and over any per-call `verify`.
        if self.ca_bundle:
            settings["verify"] = self.ca_bundle

        return settings


def build_session(
    ca_bundle: Path | str | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
) -> VerifiedSession:
    """A session for one service client (or for msal) following the TLS rule."""
    session = VerifiedSession(ca_bundle=ca_bundle, timeout_seconds=timeout_seconds)

    logger.debug(
        "HTTP session: CA bundle %s, timeout %s s",
        session.ca_bundle or "from the system",
        timeout_seconds,
    )
    return session
