"""Server-to-server tokens for Dataverse, from Microsoft identity through msal.

One `msal.ConfidentialClientApplication` per authority, tenant and application lives
for the whole process: since msal 1.23 `acquire_token_for_client` answers from that
app's token cache and only asks the identity service when the cached token is missing
or about to expire, so asking before every request costs nothing.

The tenant may be configured or discovered: an unauthenticated request to the Web API
answers 401 with `WWW-Authenticate: Bearer authorization_uri=<authority>/<tenant>/
oauth2/authorize` (reference notes, 1.3). Only the tenant is taken from it; the
challenge must name the configured authority host, so a hostile org URL cannot send
pocc's client secret somewhere else.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

import msal
import requests

from pocc.errors import (
    AuthenticationError,
    DataverseAuthenticationError,
    dataverse_failure,
)
from pocc.retry import RequestNotSentError

logger = logging.getLogger(__name__)

API_PATH = "/api/data/v9.2/"

_CHALLENGE_URI = re.compile(r'authorization_uri\s*=\s*"?([^",\s]+)"?', re.IGNORECASE)
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")

_applications: dict[tuple[str, str, str], msal.ConfidentialClientApplication] = {}
_applications_lock = threading.Lock()


def application_for(
    authority: str,
    client_id: str,
    client_secret: str,
    http_client: requests.Session,
) -> msal.ConfidentialClientApplication:
    """The process's one msal app for this authority (host + tenant) and application."""
    key = (authority.lower(), client_id.lower(), client_secret)

    with _applications_lock:
        application = _applications.get(key)

        if application is None:
            application = msal.ConfidentialClientApplication(
                client_id,
                client_credential=client_secret,
                authority=authority,
                # Discovery asks login.microsoftonline.com about the authority; pocc
                # names its authority itself (and the sandbox is not on that list).
                instance_discovery=False,
                http_client=http_client,
            )
            _applications[key] = application

        return application


def discover_tenant(
    session: requests.Session, org_url: str, authority_host: str
) -> str:
    """The tenant named by the org's 401 bearer challenge."""
    url = org_url.rstrip("/") + API_PATH

    try:
        response = session.get(url, headers={"Accept": "application/json"})
    except (requests.ConnectionError, requests.Timeout) as failure:
        raise RequestNotSentError(failure) from failure

    challenge = response.headers.get("WWW-Authenticate", "")
    match = _CHALLENGE_URI.search(challenge)

    if response.status_code != 401 or not match:
        raise _auth_error(
            f"the organisation did not answer an anonymous request with a bearer "
            f"challenge (status {response.status_code}); configure its tenant in "
            "POCC_ORG_TENANTS",
            url,
        )

    authorization_uri = urlsplit(match.group(1))
    expected = urlsplit(authority_host)
    tenant = _tenant_from_path(authority_host, authorization_uri.path)

    if authorization_uri.netloc.lower() != expected.netloc.lower() or not tenant:
        raise _auth_error(
            "the organisation's bearer challenge names an authority other than "
            "POCC_AUTHORITY_HOST; pocc will not send its credentials there",
            url,
        )

    logger.info("discovered tenant %s for %s", tenant, org_url)
    return tenant


def _tenant_from_path(authority_host: str, path: str) -> str | None:
    # The authority host may itself carry a path (the sandbox's does).
    prefix = urlsplit(authority_host).path.rstrip("/")

    if not path.startswith(prefix + "/"):
        return None

    segments = [segment for segment in path[len(prefix) :].split("/") if segment]
    tenant = segments[0] if segments else ""
    return tenant if _TENANT.match(tenant) else None


class DataverseAuth:
    """Bearer tokens for one organisation."""

    def __init__(
        self,
        *,
        org_url: str,
        client_id: str,
        client_secret: str,
        authority_host: str,
        session: requests.Session,
        tenant: str | None = None,
    ) -> None:
        self.org_url = org_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._authority_host = authority_host.rstrip("/")
        self._session = session
        self._tenant = tenant
        self._lock = threading.Lock()
        self._scopes = [f"{self.org_url}/.default"]

    @property
    def tenant(self) -> str:
        with self._lock:
            if self._tenant is None:
                self._tenant = discover_tenant(
                    self._session, self.org_url, self._authority_host
                )

            return self._tenant

    def token(self) -> str:
        """A valid access token, from msal's cache when it holds one."""
        application = self._application()

        try:
            result = application.acquire_token_for_client(scopes=self._scopes)
        except (requests.ConnectionError, requests.Timeout) as failure:
            raise RequestNotSentError(failure) from failure
        except ValueError as failure:
            # msal raises ValueError when the authority's discovery document is
            # missing or malformed: a wrong authority host or tenant.
            raise _auth_error(f"the authority was refused: {failure}", None) from None

        if "access_token" not in result:
            raise _token_refused(result)

        return result["access_token"]

    def refresh(self, rejected: str | None) -> str:
        """A new token after Dataverse refused `rejected`: drop it from the cache first.

        Only the refused token is removed, so a token another thread has just fetched
        survives and is reused.
        """
        cache = self._application().token_cache

        if rejected:
            kind = cache.CredentialType.ACCESS_TOKEN
            stale = [
                entry
                for entry in cache.search(kind, target=self._scopes)
                if entry.get("secret") == rejected
            ]

            for entry in stale:
                cache.remove_at(entry)

        return self.token()

    def _application(self) -> msal.ConfidentialClientApplication:
        authority = f"{self._authority_host}/{self.tenant}"
        return application_for(
            authority, self._client_id, self._client_secret, self._session
        )


def _token_refused(result: dict) -> AuthenticationError:
    error = result.get("error", "unknown_error")
    description = result.get("error_description", "")
    # The first line holds the AADSTS code and its text; the rest is trace ids.
    first_line = description.splitlines()[0] if description else ""
    logger.warning("Microsoft identity refused a token: %s", error)
    return dataverse_failure(
        AuthenticationError,
        f"Microsoft identity refused a token ({error}): {first_line}",
        code=error,
        request_id=result.get("correlation_id"),
        doing="getting an access token",
    )


def _auth_error(message: str, url: str | None) -> DataverseAuthenticationError:
    error = dataverse_failure(
        AuthenticationError, message, method="GET" if url else None, path=url
    )
    assert isinstance(error, DataverseAuthenticationError)
    return error
