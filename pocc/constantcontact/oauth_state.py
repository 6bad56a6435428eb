"""The signed, expiring `state` of pocc's Constant Contact authorization request.

pocc keeps nothing on disk and any proxy may receive the callback, so the state itself
carries what the callback needs, and nothing secret:

    state = base64url(json{"o": org, "n": nonce, "x": expiry}) "." base64url(HMAC)

The HMAC key is derived from the vault key (`POCC_SECRET_KEY`), so only pocc can make
a state; every configured key is tried on the way back, so rotating the key does not
break an authorization in progress. The PKCE verifier is not in the state at all: it
is derived from the signed part with another key derived from the same vault key, so
the callback recomputes it and an observer of the URL learns nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pocc.errors import AuthorizationStateError

logger = logging.getLogger(__name__)

# Long enough to sign in and consent, short enough that a leaked URL goes stale.
STATE_LIFETIME_SECONDS = 600
_STATE_PURPOSE = b"pocc constant contact oauth state v1"
_VERIFIER_PURPOSE = b"pocc constant contact pkce verifier v1"


@dataclass(frozen=True)
class IssuedState:
    state: str
    # RFC 7636: sent on the token request; S256 of it goes in the authorize URL.
    code_verifier: str

    @property
    def code_challenge(self) -> str:
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return _encode(digest)


class StateSigner:
    """Issues and checks states with keys derived from the vault's keys."""

    def __init__(
        self,
        vault_keys: Sequence[str],
        *,
        lifetime_seconds: float = STATE_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not vault_keys:
            raise ValueError("the state signer needs at least one vault key")

        self._keys = [key.encode("ascii") for key in vault_keys]
        self._lifetime = lifetime_seconds
        self._clock = clock

    def issue(self, organization: str) -> IssuedState:
        """A fresh state bound to `organization`, and its PKCE verifier."""
        payload = {
            "o": organization,
            "n": _encode(secrets.token_bytes(16)),
            "x": int(self._clock() + self._lifetime),
        }
        body = _encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        key = self._keys[0]
        signature = _encode(_mac(key, _STATE_PURPOSE, body))
        return IssuedState(f"{body}.{signature}", _verifier(key, body))

    def verify(self, state: str, organization: str) -> IssuedState:
        """The state checked against `organization`; AuthorizationStateError if not."""
        body, _, signature = state.partition(".")
        key = self._signing_key(body, signature)

        if key is None:
            logger.warning("an OAuth callback carried a state pocc did not sign")
            raise AuthorizationStateError(
                "The authorization's state was not made by pocc or was altered; "
                "start the authorization again from the setup page."
            )

        payload = json.loads(_decode(body))

        if payload.get("o") != organization:
            logger.warning("an OAuth callback's state names another organisation")
            raise AuthorizationStateError(
                "The authorization was started for another organisation; start it "
                "again from this organisation's setup page."
            )

        if int(payload.get("x", 0)) < self._clock():
            raise AuthorizationStateError(
                "The authorization took too long and its state expired; start it "
                "again from the setup page."
            )

        return IssuedState(state, _verifier(key, body))

    def _signing_key(self, body: str, signature: str) -> bytes | None:
        if not body or not signature:
            return None

        try:
            given = _decode(signature)
        except ValueError:
            return None

        for key in self._keys:
            if hmac.compare_digest(_mac(key, _STATE_PURPOSE, body), given):
                return key

        return None


def _derive(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, purpose, hashlib.sha256).digest()


def _mac(key: bytes, purpose: bytes, body: str) -> bytes:
    return hmac.new(
        _derive(key, purpose), body.encode("ascii"), hashlib.sha256
    ).digest()


def _verifier(key: bytes, body: str) -> str:
    # 32 bytes encode to 43 characters, the shortest verifier RFC 7636 allows.
    return _encode(_mac(key, _VERIFIER_PURPOSE, body))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, UnicodeEncodeError) as error:
        raise ValueError("not base64url") from error
