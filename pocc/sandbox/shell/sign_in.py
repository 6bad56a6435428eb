"""The shell's sandbox-only sign-in: a cookie naming the person, and their token.

Real D365 sends an unsigned-in browser to Entra ID. The sandbox has nobody to ask,
so `/d365/<org>/signin` lets the visitor pick one of the organisation's people
(`users.SHELL_USERS`); the choice is kept in an HMAC-signed cookie per organisation,
with a key made on first start in `{data}/shell/`. The person's access token is made
by the sandbox tenant for the application behind them and never reaches the browser:
the shell's Web API path adds it on the server side, as D365's session cookie does.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from pathlib import Path

from pocc.sandbox.files import write_atomically
from pocc.sandbox.identity import IdentityDirectory
from pocc.sandbox.shell.users import ShellUser, shell_user

logger = logging.getLogger(__name__)

COOKIE_PREFIX = "pocc_shell_"
# Renewed a few minutes before the sandbox tenant's one-hour tokens expire.
TOKEN_RENEW_MARGIN_SECONDS = 300
TOKEN_LIFETIME_SECONDS = 3600


class SignIn:
    """Signs cookies and hands out each signed-in person's token."""

    def __init__(self, folder: Path, identity: IdentityDirectory) -> None:
        self.identity = identity
        self._key = _cookie_key(folder)
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    @staticmethod
    def cookie_name(org: str) -> str:
        return COOKIE_PREFIX + org.replace("-", "_")

    def cookie_value(self, org: str, login: str) -> str:
        return f"{login}.{self._signature(org, login)}"

    def user_from_cookie(self, org: str, value: str | None) -> ShellUser | None:
        """The person a cookie names, if this sandbox signed it for this org."""
        login, _, signature = (value or "").rpartition(".")

        if not login or not hmac.compare_digest(signature, self._signature(org, login)):
            return None

        return shell_user(login)

    def token(self, user: ShellUser, org_url: str) -> str:
        """A Dataverse access token for the person, reused until near its expiry."""
        key = (user.login, org_url)
        cached = self._tokens.get(key)

        if cached and cached[1] - TOKEN_RENEW_MARGIN_SECONDS > time.time():
            return cached[0]

        application = self.identity.register_application(user.application_name)
        token = self.identity.issue_access_token(application, org_url)
        self._tokens[key] = (token, time.time() + TOKEN_LIFETIME_SECONDS)
        return token

    def _signature(self, org: str, login: str) -> str:
        message = f"{org}\n{login}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def _cookie_key(folder: Path) -> bytes:
    path = folder / "cookie.key"

    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, secrets.token_hex(32).encode("ascii"), mode=0o600)
        logger.debug("made the shell's cookie key in %s", folder)

    return path.read_bytes().strip()
