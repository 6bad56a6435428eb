"""The demo's proxy port and the redirect URI the sandbox then accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocc.demo.stack import REGISTERED_PORT, DemoStack
from pocc.sandbox.constantcontact import registration


def test_on_the_registered_port_the_sandbox_needs_nothing_more(tmp_path: Path):
    stack = DemoStack(tmp_path, proxy_port=REGISTERED_PORT)

    assert stack.public_url == "http://localhost:8000"
    assert registration.EXTRA_REDIRECT_URIS_VARIABLE not in stack.sandbox.extra_env


def test_on_another_port_the_sandbox_is_told_its_redirect_uri(tmp_path: Path):
    stack = DemoStack(tmp_path, proxy_port=8123)
    extra = stack.sandbox.extra_env[registration.EXTRA_REDIRECT_URIS_VARIABLE]

    assert extra == "http://localhost:8123/api/registration/register?orgidname=*"


def test_the_sandbox_accepts_extra_redirect_uris_without_storing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    extra = "http://localhost:8123/api/registration/register?orgidname=*"
    monkeypatch.setenv(registration.EXTRA_REDIRECT_URIS_VARIABLE, extra)

    first = registration.load_or_create(tmp_path)
    assert first.redirect_uris == (*registration.DEFAULT_REDIRECT_URIS, extra)

    monkeypatch.delenv(registration.EXTRA_REDIRECT_URIS_VARIABLE)
    again = registration.load_or_create(tmp_path)
    assert again.redirect_uris == registration.DEFAULT_REDIRECT_URIS
    assert again.client_id == first.client_id


def test_reset_keeps_the_certificate_authority_only(tmp_path: Path):
    stack = DemoStack(tmp_path, proxy_port=8123)
    sandbox_dir = tmp_path / "sandbox"
    (sandbox_dir / "tls").mkdir(parents=True)
    (sandbox_dir / "tls" / "ca.pem").write_text("ca")
    (sandbox_dir / "dataverse").mkdir()
    (sandbox_dir / "clock.json").write_text("{}")

    stack.reset()

    assert sorted(path.name for path in sandbox_dir.iterdir()) == ["tls"]
    assert (tmp_path / "logs").is_dir()
