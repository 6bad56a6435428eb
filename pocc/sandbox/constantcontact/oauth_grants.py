"""Authorization codes and refresh tokens, kept (hashed) in the account store.

Codes are single use and expire after `authorization_code_seconds`. Refresh tokens
rotate: using one deletes it and stores its successor; one unused for
`refresh_token_idle_days` is dead. A new authorization of the same user and client
ends the earlier token chain (reference notes, section 2.5: one valid chain per
account and application).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from .service import ConstantContactService

CODE_KIND = "oauth_code"
REFRESH_KIND = "oauth_refresh_token"


@dataclass(frozen=True)
class Grant:
    """What a user allowed one client: carried from code to tokens to refreshes."""

    client_id: str
    username: str
    scopes: list[str]
    redirect_uri: str
    code_challenge: str | None = None
    public_client: bool = False


def fingerprint(secret: str) -> str:
    """Codes and tokens are stored by hash: the database never holds one usable."""
    return hashlib.sha256(secret.encode()).hexdigest()


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_code(service: ConstantContactService, grant: Grant) -> str:
    now = service.now()
    code = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=service.settings["authorization_code_seconds"])

    purge_expired_codes(service, now)
    key = fingerprint(code)
    service.store.insert(
        CODE_KIND,
        key,
        {"id": key, "grant": asdict(grant), "expires_at": (now + lifetime).isoformat()},
    )
    return code


def redeem_code(service: ConstantContactService, code: str) -> Grant | None:
    """The grant behind a live code, which is spent by this call; None otherwise."""
    key = fingerprint(code)

    with service.store.transaction():
        stored = service.store.get(CODE_KIND, key)
        service.store.delete(CODE_KIND, key)

    if stored is None:
        return None

    if datetime.fromisoformat(stored["expires_at"]) <= service.now():
        return None

    return Grant(**stored["grant"])


def purge_expired_codes(service: ConstantContactService, now: datetime) -> None:
    for stored in service.store.all(CODE_KIND):
        if datetime.fromisoformat(stored["expires_at"]) <= now:
            service.store.delete(CODE_KIND, stored["id"])


def issue_refresh_token(service: ConstantContactService, grant: Grant) -> str:
    token = secrets.token_urlsafe(40)
    key = fingerprint(token)
    service.store.insert(
        REFRESH_KIND,
        key,
        {"id": key, "grant": asdict(grant), "issued_at": service.now().isoformat()},
    )
    return token


def find_refresh_grant(service: ConstantContactService, token: str) -> Grant | None:
    """The grant behind a refresh token, without spending it."""
    stored = service.store.get(REFRESH_KIND, fingerprint(token))
    return None if stored is None else Grant(**stored["grant"])


def rotate_refresh_token(
    service: ConstantContactService, token: str
) -> tuple[Grant, str] | None:
    """Spend a live refresh token: its grant and the token that replaces it."""
    key = fingerprint(token)
    idle_limit = timedelta(days=service.settings["refresh_token_idle_days"])

    with service.store.transaction():
        stored = service.store.get(REFRESH_KIND, key)

        if stored is None:
            return None

        service.store.delete(REFRESH_KIND, key)

        if datetime.fromisoformat(stored["issued_at"]) + idle_limit <= service.now():
            return None

        grant = Grant(**stored["grant"])
        return grant, issue_refresh_token(service, grant)


def end_earlier_chains(service: ConstantContactService, grant: Grant) -> None:
    with service.store.transaction():
        for stored in service.store.all(REFRESH_KIND):
            earlier = stored["grant"]

            if (earlier["client_id"], earlier["username"]) == (
                grant.client_id,
                grant.username,
            ):
                service.store.delete(REFRESH_KIND, stored["id"])
