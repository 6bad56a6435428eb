"""pocc.vault: authenticated encryption with rotating keys, values never logged."""

from __future__ import annotations

import logging

import pytest

from pocc.errors import VaultError
from pocc.vault import Vault, new_key

SECRET = "refresh-token-3f9a7c"


def test_encrypted_text_reads_back_and_does_not_show_the_secret():
    vault = Vault([new_key()])
    token = vault.encrypt(SECRET)

    assert SECRET not in token
    assert vault.decrypt(token) == SECRET


def test_a_new_key_first_still_reads_values_made_with_the_old_key():
    old = new_key()
    token = Vault([old]).encrypt(SECRET)
    rotated = Vault([new_key(), old])

    assert rotated.decrypt(token) == SECRET


def test_rotate_rewrites_under_the_newest_key_so_the_old_can_go():
    old, newest = new_key(), new_key()
    token = Vault([old]).encrypt(SECRET)
    rewritten = Vault([newest, old]).rotate(token)

    assert Vault([newest]).decrypt(rewritten) == SECRET


def test_a_rotated_out_key_gives_a_clear_error_and_logs_no_value(caplog):
    token = Vault([new_key()]).encrypt(SECRET)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(VaultError, match="cannot be decrypted") as raised:
        Vault([new_key()]).decrypt(token)

    assert "Put the old key back" in str(raised.value)
    assert SECRET not in caplog.text
    assert token not in caplog.text


def test_a_tampered_value_is_refused():
    vault = Vault([new_key()])
    token = vault.encrypt(SECRET)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    with pytest.raises(VaultError):
        vault.decrypt(tampered)


def test_a_malformed_key_is_refused_with_the_way_to_make_one():
    with pytest.raises(VaultError, match="--new-key"):
        Vault(["not-a-key"])


def test_a_vault_without_keys_is_refused():
    with pytest.raises(VaultError):
        Vault([])
