"""The sandbox's own certificate authority and its server certificate for localhost.

msal and requests insist on HTTPS with a certificate they can verify, so the sandbox
makes a small CA on first start and signs a certificate for `localhost`, `127.0.0.1`
and `::1` with it. Clients trust the CA through `ca.pem` (the bundle named in
`sandbox.json`). Later starts reuse both, so a client that saved the bundle keeps
working; a certificate close to expiry, or one for other names, is made again.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pocc.sandbox.files import write_atomically

logger = logging.getLogger(__name__)

DNS_NAMES = ("localhost",)
IP_ADDRESSES = ("127.0.0.1", "::1")
CA_LIFETIME = timedelta(days=3650)
SERVER_LIFETIME = timedelta(days=365)
# Renew when less than this is left, so a long-lived data folder never serves an
# expired certificate.
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class CertificateFiles:
    """Where the sandbox keeps its TLS material (all PEM)."""

    ca_bundle: Path
    ca_key: Path
    server_certificate: Path
    server_key: Path

    @classmethod
    def in_folder(cls, data_dir: Path) -> CertificateFiles:
        folder = data_dir.resolve() / "tls"
        return cls(
            ca_bundle=folder / "ca.pem",
            ca_key=folder / "ca-key.pem",
            server_certificate=folder / "server.pem",
            server_key=folder / "server-key.pem",
        )


def ensure_certificates(data_dir: Path) -> CertificateFiles:
    """Make (or reuse) the CA and the server certificate in `data_dir/tls`."""
    files = CertificateFiles.in_folder(data_dir)
    now = datetime.now(UTC)

    ca_certificate, ca_key = _load_pair(files.ca_bundle, files.ca_key)
    ca_made = False

    if ca_certificate is None or _expires_soon(ca_certificate, now):
        ca_certificate, ca_key = _make_certificate_authority(now)
        _save_pair(files.ca_bundle, files.ca_key, ca_certificate, ca_key)
        ca_made = True
        logger.info("made a new sandbox certificate authority in %s", files.ca_bundle)

    server_certificate, _ = _load_pair(files.server_certificate, files.server_key)

    if (
        ca_made
        or server_certificate is None
        or _expires_soon(server_certificate, now)
        or not _issued_by(server_certificate, ca_certificate)
        or not _covers_local_names(server_certificate)
    ):
        server_certificate, server_key = _make_server_certificate(
            ca_certificate, ca_key, now
        )
        _save_pair(
            files.server_certificate, files.server_key, server_certificate, server_key
        )
        logger.info("made a new sandbox server certificate for localhost")

    return files


def server_ssl_context(files: CertificateFiles) -> ssl.SSLContext:
    """A TLS 1.2+ server context presenting the sandbox certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.server_certificate, files.server_key)
    return context


def _make_certificate_authority(
    now: datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pocc sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, "pocc sandbox local CA"),
        ]
    )
    public_key = key.public_key()

    # Strict verifiers (Python 3.13's default context, OpenSSL's X509_STRICT) want
    # a critical basicConstraints, keyUsage and a subject key identifier on a CA.
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )

    return builder.sign(key, hashes.SHA256()), key


def _make_server_certificate(
    ca_certificate: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    now: datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    public_key = key.public_key()
    alternative_names: list[x509.GeneralName] = [x509.DNSName(n) for n in DNS_NAMES]
    alternative_names += [
        x509.IPAddress(ipaddress.ip_address(address)) for address in IP_ADDRESSES
    ]
    ca_key_identifier = ca_certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value

    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + SERVER_LIFETIME)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_key_identifier
            ),
            critical=False,
        )
    )

    return builder.sign(ca_key, hashes.SHA256()), key


def _load_pair(
    certificate_path: Path, key_path: Path
) -> tuple[x509.Certificate | None, ec.EllipticCurvePrivateKey | None]:
    if not certificate_path.exists() or not key_path.exists():
        return None, None

    try:
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        logger.warning("unreadable certificate %s; making a new one", certificate_path)
        return None, None

    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None, None

    return certificate, key


def _save_pair(
    certificate_path: Path,
    key_path: Path,
    certificate: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
) -> None:
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomically(key_path, key_pem, mode=0o600)
    write_atomically(
        certificate_path, certificate.public_bytes(serialization.Encoding.PEM)
    )


def _expires_soon(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_after_utc - now < RENEW_BEFORE


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False

    return True


def _covers_local_names(certificate: x509.Certificate) -> bool:
    try:
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value
    except x509.ExtensionNotFound:
        return False

    dns_names = set(names.get_values_for_type(x509.DNSName))
    addresses = {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    return set(DNS_NAMES) <= dns_names and set(IP_ADDRESSES) <= addresses
