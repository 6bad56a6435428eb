"""pocc.http: the configured CA bundle beats REQUESTS_CA_BUNDLE; every call times out.

A local HTTPS server with a certificate from a throwaway CA stands in for a service.
"""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pocc.http import build_session


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key) for localhost."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pocc test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def https_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    ca, certificate, key = make_certificates(tmp_path_factory.mktemp("tls"))
    server = http.server.ThreadingHTTPServer(("localhost", 0), Answer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    try:
        yield f"https://localhost:{server.server_address[1]}/", ca
    finally:
        server.shutdown()
        server.server_close()


def test_the_configured_bundle_wins_over_requests_ca_bundle(https_server, monkeypatch):
    url, ca = https_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())

    assert build_session(ca).get(url).text == "ok"


def test_a_plain_session_would_let_the_variable_override_its_bundle(
    https_server, monkeypatch
):
    # The trap the rule exists for: proves the variable above really was hostile.
    url, ca = https_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    session = requests.Session()
    session.verify = str(ca)

    with pytest.raises(requests.exceptions.SSLError):
        session.get(url, timeout=10)


def test_a_per_call_verify_cannot_switch_checking_off(https_server, tmp_path):
    url, _ = https_server
    other_ca, _, _ = make_certificates(tmp_path)

    with pytest.raises(requests.exceptions.SSLError):
        build_session(other_ca).get(url, verify=False)


def test_without_a_bundle_the_system_trust_applies(https_server, monkeypatch):
    url, _ = https_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    with pytest.raises(requests.exceptions.SSLError):
        build_session(None).get(url)


def test_every_call_gets_a_timeout(monkeypatch):
    seen = {}

    def fake_send(self, request, **kwargs):
        seen["timeout"] = kwargs.get("timeout")
        raise requests.ConnectionError("stop here")

    monkeypatch.setattr(requests.Session, "send", fake_send)
    session = build_session(None, timeout_seconds=42)

    with pytest.raises(requests.ConnectionError):
        session.post("https://localhost:1/")

    assert seen["timeout"] == (10.0, 42)
