"""Constant Contact tokens kept in the organisation's `pocc_configuration` row.

Client secret, access and refresh tokens are stored encrypted by the vault. Refresh
tokens rotate (reference notes, 2.5): a refresh spends the old token, so two workers
refreshing with the same token, or a worker that refreshes and dies before saving,
leave the account needing a person to authenticate again. Hence:

- Refreshing is single-flight per account: threads of one process take a lock, and
  processes (on any host) take a lease on the configuration row with an ETag-guarded
  update. Whoever gets the lease re-reads the row first, so a second refresher finds
  and uses the token the first one stored instead of refreshing again.
- New tokens are written to Dataverse before anyone uses them.
- `invalid_grant` marks the configuration as needing re-authentication, with a
  message for the administrator, and is never retried; until someone authenticates
  again every call fails at once with `ConstantContactReauthenticationRequiredError`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from pocc.constantcontact.oauth import (
    ClientCredentials,
    RefreshAnswerLostError,
    TokenEndpoint,
    TokenSet,
)
from pocc.dataverse import DataverseClient, Query, column
from pocc.errors import (
    ConflictError,
    ConstantContactReauthenticationRequiredError,
    ReauthenticationRequiredError,
    ServiceUnavailableError,
    VaultError,
    constant_contact_failure,
)
from pocc.vault import Vault

logger = logging.getLogger(__name__)

CONFIGURATIONS = "pocc_configurations"
COLUMNS = (
    "pocc_configurationid",
    "pocc_ccclientid",
    "pocc_ccclientsecret",
    "pocc_accesstoken",
    "pocc_refreshtoken",
    "pocc_tokenexpireson",
    "pocc_needsreauthentication",
    "pocc_refreshleaseowner",
    "pocc_refreshleaseexpireson",
    "pocc_lasterror",
)
REAUTHENTICATE = (
    "An administrator must open pocc's setup page and click Authenticate to connect "
    "Constant Contact again."
)
INVALID_GRANT = (
    "Constant Contact refused the stored refresh token (invalid_grant): it was "
    "already used, replaced by a newer authorization, or unused for 180 days. "
)
ANSWER_LOST = (
    "A token refresh reached Constant Contact but its answer was lost, so the new "
    "refresh token never arrived and the old one is spent. "
)
MISSING_GRANT = "pocc holds no Constant Contact refresh token for this organisation. "

_account_locks: dict[str, threading.Lock] = {}
_account_locks_guard = threading.Lock()


UNREADABLE_TOKENS = (
    "The stored Constant Contact tokens were encrypted with a key that is no longer "
    "in POCC_SECRET_KEY. An administrator must open Setup and click Authenticate."
)


@dataclass(frozen=True)
class StoredTokens:
    """The configuration row as the token store reads it (tokens decrypted)."""

    configuration_id: str
    etag: str
    client_id: str
    client_secret: str | None = field(repr=False)
    access_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    needs_reauthentication: bool
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None


class TokenStore:
    """Access tokens for one organisation's Constant Contact account."""

    def __init__(
        self,
        dataverse: DataverseClient,
        vault: Vault,
        endpoint: TokenEndpoint,
        configuration_id: str,
        *,
        lease_seconds: float = 150.0,
        refresh_margin_seconds: float = 300.0,
        poll_seconds: float = 0.25,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.dataverse = dataverse
        self.vault = vault
        self.endpoint = endpoint
        self.configuration_id = configuration_id
        self.lease_seconds = lease_seconds
        self.refresh_margin = timedelta(seconds=refresh_margin_seconds)
        self.poll_seconds = poll_seconds
        self.clock = clock
        # How many refreshes this store made itself (an operator's and a test's view).
        self.refreshes = 0
        self._cached: tuple[str, datetime] | None = None
        self._cache_lock = threading.Lock()
        self._account_lock = _lock_for(f"{dataverse.org_url}|{configuration_id}")

    @classmethod
    def for_organization(
        cls,
        dataverse: DataverseClient,
        vault: Vault,
        endpoint: TokenEndpoint,
        **options: Any,
    ) -> TokenStore:
        """The store for the organisation's one active configuration row."""
        query = Query(
            select=["pocc_configurationid"],
            filter=column("statecode").eq(0),
            orderby=["createdon asc"],
            top=1,
        )
        rows = list(dataverse.query(CONFIGURATIONS, query))

        if not rows:
            raise constant_contact_failure(
                ReauthenticationRequiredError,
                "this organisation has no pocc configuration yet; save the setup "
                "page first.",
            )

        return cls(
            dataverse, vault, endpoint, rows[0]["pocc_configurationid"], **options
        )

    # What callers use

    def access_token(self) -> str:
        """A token not about to expire, refreshed (once, for everyone) if need be."""
        with self._cache_lock:
            cached = self._cached

        if cached and not self._expiring(cached[1]):
            return cached[0]

        return self._current(rejected=None)

    def refresh(self, rejected: str) -> str:
        """A token other than `rejected`, which Constant Contact answered 401 to."""
        return self._current(rejected=rejected)

    def credentials(self) -> ClientCredentials:
        return _credentials(self.read())

    def read(self) -> StoredTokens:
        row = self.dataverse.retrieve(
            CONFIGURATIONS, self.configuration_id, select=COLUMNS
        )
        tokens = self._tokens(row)
        needs_reauthentication = bool(row.get("pocc_needsreauthentication"))
        last_error = row.get("pocc_lasterror")

        if tokens is None:
            tokens = (None, None)
            needs_reauthentication = True
            last_error = UNREADABLE_TOKENS

        return StoredTokens(
            configuration_id=self.configuration_id,
            etag=row.get("@odata.etag", "*"),
            client_id=row.get("pocc_ccclientid") or "",
            client_secret=self._client_secret(row.get("pocc_ccclientsecret")),
            access_token=tokens[0],
            refresh_token=tokens[1],
            expires_at=_parse_time(row.get("pocc_tokenexpireson")),
            needs_reauthentication=needs_reauthentication,
            lease_owner=row.get("pocc_refreshleaseowner") or None,
            lease_expires_at=_parse_time(row.get("pocc_refreshleaseexpireson")),
            last_error=last_error,
        )

    def _tokens(self, row: dict[str, Any]) -> tuple[str | None, str | None] | None:
        """The stored access and refresh tokens, or None if no key can read them.

        Tokens sealed with a key that has since been removed are as good as lost;
        the way out is a new authorization, which must not be blocked by them.
        """
        try:
            return (
                self._decrypt(row.get("pocc_accesstoken")),
                self._decrypt(row.get("pocc_refreshtoken")),
            )
        except VaultError:
            logger.warning(
                "the stored tokens of %s cannot be decrypted with the configured "
                "keys; an administrator must click Authenticate",
                self._name(),
            )
            return None

    def save_application(self, client_id: str, client_secret: str) -> None:
        """The setup page's client id and secret (the secret encrypted)."""
        self._write(
            {
                "pocc_ccclientid": client_id,
                "pocc_ccclientsecret": self.vault.encrypt(client_secret),
            }
        )

    def save_authorization(self, tokens: TokenSet) -> None:
        """Tokens from a fresh authorization: the account is connected again."""
        self._write(
            {
                **self._token_columns(tokens),
                "pocc_needsreauthentication": False,
                "pocc_lasterror": None,
                "pocc_refreshleaseowner": None,
                "pocc_refreshleaseexpireson": None,
            }
        )
        self._cache(tokens.access_token, tokens.expires_at)
        logger.info("Constant Contact authorization stored for %s", self._name())

    # Single-flight refresh

    def _current(self, rejected: str | None) -> str:
        with self._account_lock:
            stored = self.read()
            usable = self._usable(stored, rejected)

            if usable is not None:
                return usable

            return self._refresh_under_lease(stored, rejected)

    def _usable(self, stored: StoredTokens, rejected: str | None) -> str | None:
        """The stored access token if it is good to use; raises if re-auth is due."""
        if stored.needs_reauthentication:
            raise constant_contact_failure(
                ReauthenticationRequiredError,
                (stored.last_error or "Constant Contact needs authenticating again.")
                .replace(REAUTHENTICATE, "")
                .strip(),
            )

        token = stored.access_token

        if not token or token == rejected or self._expiring(stored.expires_at):
            return None

        self._cache(token, stored.expires_at)
        return token

    def _refresh_under_lease(self, stored: StoredTokens, rejected: str | None) -> str:
        owner = _owner_id()
        stored = self._take_lease(stored, owner, rejected)

        if isinstance(stored, str):
            return stored

        if not stored.refresh_token:
            self._mark_reauthentication(MISSING_GRANT)

        try:
            tokens = self.endpoint.refresh(_credentials(stored), stored.refresh_token)
        except RefreshAnswerLostError:
            self._mark_reauthentication(ANSWER_LOST)
        except ReauthenticationRequiredError:
            self._mark_reauthentication(INVALID_GRANT)
        except BaseException:
            self._release_lease(owner)
            raise

        # Stored before it is used: Constant Contact has already spent the old one.
        self._write(
            {
                **self._token_columns(tokens, keep_refresh=stored.refresh_token),
                "pocc_refreshleaseowner": None,
                "pocc_refreshleaseexpireson": None,
            }
        )
        self.refreshes += 1
        self._cache(tokens.access_token, tokens.expires_at)
        logger.info("Constant Contact access token refreshed for %s", self._name())
        return tokens.access_token

    def _take_lease(
        self, stored: StoredTokens, owner: str, rejected: str | None
    ) -> StoredTokens | str:
        """The row re-read under our lease, or a token someone else stored meanwhile."""
        deadline = time.monotonic() + self.lease_seconds * 3

        while True:
            if self._leased_by_other(stored, owner):
                self._wait_for_lease(deadline)
            else:
                try:
                    self.dataverse.update(
                        CONFIGURATIONS,
                        self.configuration_id,
                        {
                            "pocc_refreshleaseowner": owner,
                            "pocc_refreshleaseexpireson": _format_time(
                                self.clock() + timedelta(seconds=self.lease_seconds)
                            ),
                        },
                        etag=stored.etag,
                    )
                except ConflictError:
                    logger.debug("refresh lease taken by someone else first")
                else:
                    logger.debug("refresh lease taken by %s", owner)

            stored = self.read()
            usable = self._usable(stored, rejected)

            if usable is not None:
                self._release_lease(owner)
                return usable

            if stored.lease_owner == owner:
                return stored

    def _leased_by_other(self, stored: StoredTokens, owner: str) -> bool:
        return (
            stored.lease_owner not in (None, owner)
            and stored.lease_expires_at is not None
            and stored.lease_expires_at > self.clock()
        )

    def _wait_for_lease(self, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise constant_contact_failure(
                ServiceUnavailableError,
                "another worker has held the token refresh lease for too long.",
                doing="waiting to refresh the access token",
            )

        time.sleep(self.poll_seconds)

    def _release_lease(self, owner: str) -> None:
        stored = self.read()

        if stored.lease_owner != owner:
            return

        try:
            self.dataverse.update(
                CONFIGURATIONS,
                self.configuration_id,
                {"pocc_refreshleaseowner": None, "pocc_refreshleaseexpireson": None},
                etag=stored.etag,
            )
        except ConflictError:
            logger.debug("refresh lease changed hands before it was released")

    def _mark_reauthentication(self, why: str) -> NoReturn:
        message = why + REAUTHENTICATE
        self._write(
            {
                "pocc_needsreauthentication": True,
                "pocc_lasterror": message,
                "pocc_accesstoken": None,
                "pocc_refreshtoken": None,
                "pocc_refreshleaseowner": None,
                "pocc_refreshleaseexpireson": None,
            }
        )

        with self._cache_lock:
            self._cached = None

        logger.warning("Constant Contact needs re-authentication for %s", self._name())
        raise ConstantContactReauthenticationRequiredError(
            why.strip(), doing="refreshing the access token"
        )

    # Helpers

    def _token_columns(
        self, tokens: TokenSet, keep_refresh: str | None = None
    ) -> dict[str, Any]:
        # With long-lived refresh tokens the service may answer without a new one.
        refresh_token = tokens.refresh_token or keep_refresh
        return {
            "pocc_accesstoken": self.vault.encrypt(tokens.access_token),
            "pocc_refreshtoken": self.vault.encrypt(refresh_token)
            if refresh_token
            else None,
            "pocc_tokenexpireson": _format_time(tokens.expires_at),
        }

    def _write(self, changes: dict[str, Any]) -> None:
        self.dataverse.update(CONFIGURATIONS, self.configuration_id, changes)

    def _cache(self, token: str, expires_at: datetime | None) -> None:
        with self._cache_lock:
            self._cached = (token, expires_at or self.clock())

    def _expiring(self, expires_at: datetime | None) -> bool:
        return expires_at is None or expires_at - self.refresh_margin <= self.clock()

    def _decrypt(self, value: str | None) -> str | None:
        return self.vault.decrypt(value) if value else None

    def _client_secret(self, stored: str | None) -> str | None:
        """The client secret, encrypting in place one the setup page saved in clear.

        The setup page runs in the admin's browser, which cannot hold pocc's key, so
        it saves the secret as typed into a secured column that only the admin (write
        only) and pocc's application user can reach; pocc encrypts it on first read.
        """
        if not stored or self.vault.looks_encrypted(stored):
            return self._decrypt(stored)

        self._write({"pocc_ccclientsecret": self.vault.encrypt(stored)})
        logger.info(
            "encrypted the client secret saved by the setup page for %s", self._name()
        )
        return stored

    def _name(self) -> str:
        return f"configuration {self.configuration_id}"


def _credentials(stored: StoredTokens) -> ClientCredentials:
    if not stored.client_id or not stored.client_secret:
        raise constant_contact_failure(
            ReauthenticationRequiredError,
            "the Constant Contact client id or secret is missing from the setup page.",
        )

    return ClientCredentials(stored.client_id, stored.client_secret)


def _lock_for(key: str) -> threading.Lock:
    with _account_locks_guard:
        return _account_locks.setdefault(key, threading.Lock())


def _owner_id() -> str:
    """Unique per refresh attempt; names the host and process for an operator."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None

    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
