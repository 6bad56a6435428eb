"""The sandbox account's application registration and its owner's login.

Made once, on the first start, and kept in `{data}/constantcontact/registration.json`
so that a restarted sandbox accepts the credentials and tokens it handed out before.
The file also holds the key that signs access tokens.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

logger = logging.getLogger(__name__)

# The redirect URI pocc's registration endpoint uses (contract: path); `*` in a query
# value matches any value there.
DEFAULT_REDIRECT_URIS = ("http://localhost:8000/api/registration/register?orgidname=*",)
DEFAULT_USERNAME = "sandbox.owner"
# More Login redirect URIs for this run only (comma-separated), e.g. the demo's proxy
# on another port when 8000 is taken. Never stored: the registration file keeps the
# URIs an administrator registered.
EXTRA_REDIRECT_URIS_VARIABLE = "POCC_SANDBOX_CC_REDIRECT_URIS"


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    username: str
    password: str
    signing_key: str

    def public_block(self) -> dict[str, object]:
        """What sandbox.json shows (everything but the signing key)."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "username": self.username,
            "password": self.password,
        }


def load_or_create(folder: Path) -> Registration:
    path = folder / "registration.json"

    if path.exists():
        stored = json.loads(path.read_text())
        stored["redirect_uris"] = tuple(stored["redirect_uris"])
        return _with_extra_redirect_uris(Registration(**stored))

    registration = Registration(
        client_id=str(uuid.uuid4()),
        client_secret=secrets.token_urlsafe(32),
        redirect_uris=DEFAULT_REDIRECT_URIS,
        username=DEFAULT_USERNAME,
        password=secrets.token_urlsafe(12),
        signing_key=secrets.token_urlsafe(48),
    )
    write_private(path, json.dumps(asdict(registration), indent=2))
    logger.info(
        "Constant Contact sandbox: registered application %s", registration.client_id
    )
    return _with_extra_redirect_uris(registration)


def _with_extra_redirect_uris(registration: Registration) -> Registration:
    text = os.environ.get(EXTRA_REDIRECT_URIS_VARIABLE, "")
    extra = tuple(uri.strip() for uri in text.split(",") if uri.strip())

    if not extra:
        return registration

    logger.info("Constant Contact sandbox: also accepting redirect URIs %s", extra)
    uris = tuple(dict.fromkeys((*registration.redirect_uris, *extra)))
    return replace(registration, redirect_uris=uris)


def write_private(path: Path, text: str) -> None:
    """Write a secret-holding file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)

    temporary.replace(path)
