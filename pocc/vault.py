"""The token vault: authenticated encryption of the secrets pocc stores in Dataverse.

Client secrets and OAuth tokens live in `pocc_configuration` rows, encrypted with
Fernet (AES-128-CBC with HMAC-SHA256, from the `cryptography` package) under the keys
in `POCC_SECRET_KEY`. Several keys may be configured, newest first: the newest
encrypts, every key decrypts, and `rotate` re-encrypts an old value under the newest,
so a key is replaced without anyone authenticating again. Values never reach a log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pocc.config import Settings
from pocc.errors import VaultError

logger = logging.getLogger(__name__)


def new_key() -> str:
    """A fresh random key in the form POCC_SECRET_KEY takes."""
    return Fernet.generate_key().decode("ascii")


# How every Fernet token begins: its version byte 0x80, base64-encoded.
FERNET_PREFIX = "gAAAAA"


class Vault:
    """Encrypts and decrypts text with the configured keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise VaultError("the vault needs at least one key (POCC_SECRET_KEY)")

        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise VaultError(
                "a POCC_SECRET_KEY entry is not a Fernet key; make one with "
                "`python -m pocc config --new-key`"
            ) from None

        self._key_count = len(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        return cls(settings.secret_keys)

    def encrypt(self, text: str) -> str:
        """`text` encrypted and signed under the newest key, as url-safe ASCII."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text inside `token`; VaultError if no configured key made it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            logger.warning(
                "a stored secret could not be decrypted with any of %s configured keys",
                self._key_count,
            )
            raise VaultError(self._unreadable()) from None

    @staticmethod
    def looks_encrypted(text: str) -> bool:
        """Whether `text` has the shape of a vault token (a Fernet token).

        Every Fernet token starts with the version byte 0x80, which base64 spells
        "gAAAAA"; a secret typed by a person practically never does.
        """
        return text.startswith(FERNET_PREFIX)

    def rotate(self, token: str) -> str:
        """`token` re-encrypted under the newest key (old keys may then be dropped)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise VaultError(self._unreadable()) from None

    def _unreadable(self) -> str:
        return (
            f"a stored secret cannot be decrypted with any of the {self._key_count} "
            "key(s) in POCC_SECRET_KEY: it was encrypted with a key that has since "
            "been removed, or it was altered. Put the old key back after the new one, "
            "or authenticate again to store fresh tokens."
        )
