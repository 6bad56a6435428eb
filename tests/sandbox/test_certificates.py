"""The sandbox's certificate authority and server certificate."""

from __future__ import annotations

import socket
import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from pocc.sandbox import certificates
from pocc.sandbox.certificates import CertificateFiles, ensure_certificates
from tests.sandbox_process import SandboxProcess


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_first_start_makes_a_ca_and_a_localhost_certificate(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path)

    authority = load(files.ca_bundle)
    server = load(files.server_certificate)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    assert authority.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server.verify_directly_issued_by(authority)
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "::1",
    }


def test_private_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path)

    for key in (files.ca_key, files.server_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_later_starts_reuse_both_certificates(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path)
    authority, server = (
        first.ca_bundle.read_bytes(),
        first.server_certificate.read_bytes(),
    )

    second = ensure_certificates(tmp_path)

    assert second.ca_bundle.read_bytes() == authority
    assert second.server_certificate.read_bytes() == server


def test_a_lost_server_certificate_is_made_again_under_the_same_ca(
    tmp_path: Path,
) -> None:
    files = ensure_certificates(tmp_path)
    authority = files.ca_bundle.read_bytes()
    files.server_certificate.unlink()

    ensure_certificates(tmp_path)

    assert files.ca_bundle.read_bytes() == authority
    load(files.server_certificate).verify_directly_issued_by(load(files.ca_bundle))


def test_a_certificate_close_to_expiry_is_renewed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = ensure_certificates(tmp_path)
    old = files.server_certificate.read_bytes()
    lifetime = certificates.SERVER_LIFETIME
    monkeypatch.setattr(certificates, "RENEW_BEFORE", lifetime + timedelta(days=1))

    ensure_certificates(tmp_path)

    assert files.server_certificate.read_bytes() != old
    assert load(files.server_certificate).not_valid_after_utc > datetime.now(UTC)


def test_a_strict_client_trusts_the_running_sandbox(sandbox: SandboxProcess) -> None:
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cafile=str(sandbox.ca_bundle))
    context.verify_flags |= ssl.VERIFY_X509_STRICT

    for host in ("localhost", "127.0.0.1"):
        with (
            socket.create_connection((host, port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_an_untrusting_client_is_refused(sandbox: SandboxProcess) -> None:
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    context = ssl.create_default_context()

    with (
        socket.create_connection(("localhost", port), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname="localhost")


def test_the_bundle_is_the_one_sandbox_json_names(sandbox: SandboxProcess) -> None:
    files = CertificateFiles.in_folder(sandbox.data_dir)

    assert sandbox.ca_bundle == files.ca_bundle
    assert sandbox.ca_bundle.is_absolute()
