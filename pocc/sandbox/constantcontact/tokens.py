"""Access tokens: signed JWTs that the v3 API checks on every call.

Constant Contact's access tokens are JWTs that clients may decode for `exp` (reference
notes, section 2.4), so the sandbox issues JWTs too, signed with the registration's
key. Expiry is judged by the sandbox clock, not the wall clock, so that a test can
advance time past a token's life.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from pocc.sandbox.context import SandboxClock

from .errors import UnauthorizedError
from .registration import Registration
from .settings import Settings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    client_id: str
    username: str
    scopes: frozenset[str]
    expires_at: datetime


class TokenIssuer:
    def __init__(
        self,
        registration: Registration,
        clock: SandboxClock,
        settings: Settings,
        issuer: str,
        audience: str,
    ) -> None:
        self._registration = registration
        self._clock = clock
        self._settings = settings
        self._issuer = issuer
        self._audience = audience

    def issue(
        self, client_id: str, username: str, scopes: list[str]
    ) -> tuple[str, int]:
        """A new access token and its lifetime in seconds."""
        lifetime = int(self._settings["access_token_seconds"])
        now = self._clock.now()
        claims = {
            "ver": 1,
            "jti": f"AT.{uuid.uuid4().hex}",
            "iss": self._issuer,
            "aud": self._audience,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
            "cid": client_id,
            "sub": username,
            "scp": scopes,
        }
        token = jwt.encode(claims, self._registration.signing_key, algorithm=ALGORITHM)
        return token, lifetime

    def issue_id_token(self, client_id: str, username: str) -> str:
        """An OpenID Connect ID token, returned when the `openid` scope was granted."""
        now = self._clock.now()
        claims = {
            "ver": 1,
            "iss": self._issuer,
            "aud": client_id,
            "sub": username,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        }
        return jwt.encode(claims, self._registration.signing_key, algorithm=ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid, unexpired token; `UnauthorizedError` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._registration.signing_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise UnauthorizedError() from error

        expires_at = datetime.fromtimestamp(claims["exp"], tz=self._clock.now().tzinfo)

        if expires_at <= self._clock.now():
            raise UnauthorizedError()

        return AccessClaims(
            client_id=claims["cid"],
            username=claims["sub"],
            scopes=frozenset(claims["scp"]),
            expires_at=expires_at,
        )
