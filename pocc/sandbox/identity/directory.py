"""The sandbox tenant: its id, its registered applications and its signing key.

Made on first start and kept in `{data}/identity/` so that a restarted sandbox keeps
the same tenant, client ids and secrets (scripts and `.env` files may hold them).
Two applications are registered: `pocc` (pocc's own application user, which the
Dataverse sandbox gives the *PowerConstantContact AppUser* role) and `admin` (an
application user with System Administrator that seeds data and sets up tests).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pocc.sandbox.files import write_atomically, write_json_atomically
from pocc.sandbox.identity.errors import InvalidTokenError

logger = logging.getLogger(__name__)

TENANT_NAME = "pocc sandbox"
TOKEN_LIFETIME_SECONDS = 3600
# Microsoft's token validators allow five minutes of clock skew.
CLOCK_SKEW_SECONDS = 300
APPLICATION_NAMES = ("pocc", "admin")


@dataclass(frozen=True)
class RegisteredApplication:
    """One app registration with its service principal in the sandbox tenant."""

    name: str
    client_id: str
    client_secret: str
    # The service principal's object id: the `oid` claim, and the Dataverse
    # application user's `azureactivedirectoryobjectid`.
    object_id: str


@dataclass(frozen=True)
class AccessTokenClaims:
    """What a verified access token says about its caller."""

    app_id: str
    tenant_id: str
    audience: str
    object_id: str
    issued_at: datetime
    expires_at: datetime


class IdentityDirectory:
    """The tenant's applications, and the issuing and checking of their tokens.

    Token times use the wall clock, not the sandbox clock: msal caches tokens by
    its own clock, so a token must stay valid for as long as msal believes it is,
    however far a test moves the sandbox's business time.
    """

    def __init__(
        self,
        folder: Path,
        authority_host: str,
        tenant_id: str,
        applications: Iterable[RegisteredApplication],
        signing_key: rsa.RSAPrivateKey,
    ) -> None:
        self.folder = folder
        self.authority_host = authority_host
        self.tenant_id = tenant_id
        self.tenant_name = TENANT_NAME
        self.applications = {app.name: app for app in applications}
        self._by_client_id = {app.client_id: app for app in applications}
        self._signing_key = signing_key
        self.key_id = _key_id(signing_key)
        self._resources: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, folder: Path, authority_host: str) -> IdentityDirectory:
        """Load the tenant from `folder`, making it on first start."""
        registry_file = folder / "registry.json"
        key_file = folder / "signing-key.pem"

        if not registry_file.exists():
            registry = _new_registry()
            write_json_atomically(registry_file, registry, mode=0o600)
            logger.info("registered a new sandbox tenant %s", registry["tenant_id"])

        if not key_file.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            write_atomically(key_file, pem, mode=0o600)

        registry = json.loads(registry_file.read_text())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)

        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{key_file} does not hold an RSA key")

        applications = [
            RegisteredApplication(name=name, **fields)
            for name, fields in registry["applications"].items()
        ]
        return cls(folder, authority_host, registry["tenant_id"], applications, key)

    @property
    def issuer(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}/v2.0"

    def register_resource(self, url: str) -> None:
        """Accept `{url}/.default` as a scope (an org URL, for Dataverse)."""
        with self._lock:
            self._resources.add(_canonical_resource(url))

    def find_resource(self, resource: str) -> str | None:
        """The registered resource a scope names, in its registered spelling."""
        canonical = _canonical_resource(resource)
        return canonical if canonical in self._resources else None

    def find_application(self, client_id: str) -> RegisteredApplication | None:
        return self._by_client_id.get(client_id.lower())

    def register_application(self, name: str) -> RegisteredApplication:
        """The application called `name`, registered (and kept) on first use.

        Sandbox services that need callers of their own (the D365 shell's signed-in
        users) register them here, so a restarted sandbox keeps their ids.
        """
        with self._lock:
            existing = self.applications.get(name)

            if existing is not None:
                return existing

            application = _new_application(name)
            registry_file = self.folder / "registry.json"
            registry = json.loads(registry_file.read_text())
            fields = asdict(application)
            del fields["name"]
            registry["applications"][name] = fields
            write_json_atomically(registry_file, registry, mode=0o600)
            self.applications[name] = application
            self._by_client_id[application.client_id] = application
            logger.info("registered sandbox application %s", name)
            return application

    def issue_access_token(
        self, application: RegisteredApplication, audience: str
    ) -> str:
        """A signed RS256 access token for an app calling `audience`, valid an hour."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "appid": application.client_id,
            "appidacr": "1",
            "azp": application.client_id,
            "azpacr": "1",
            "idp": self.issuer,
            "idtyp": "app",
            "oid": application.object_id,
            "sub": application.object_id,
            "tid": self.tenant_id,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        headers = {"kid": self.key_id, "typ": "JWT"}
        return jwt.encode(claims, self._signing_key, algorithm="RS256", headers=headers)

    def verify_access_token(self, token: str, audience: str) -> AccessTokenClaims:
        """The claims of a token this tenant issued for `audience`, or InvalidToken."""
        audience = _canonical_resource(audience)

        try:
            claims = jwt.decode(
                token,
                self._signing_key.public_key(),
                algorithms=["RS256"],
                audience=[audience, audience + "/"],
                issuer=self.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={
                    "require": ["exp", "iat", "nbf", "aud", "iss", "appid", "tid"]
                },
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidTokenError("the access token has expired") from error
        except jwt.InvalidAudienceError as error:
            raise InvalidTokenError(
                f"the access token is not for {audience}"
            ) from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError(
                f"the access token is not valid: {error}"
            ) from error

        if self.find_application(claims["appid"]) is None:
            raise InvalidTokenError("the access token names an unknown application")

        return AccessTokenClaims(
            app_id=claims["appid"],
            tenant_id=claims["tid"],
            audience=claims["aud"],
            object_id=claims["oid"],
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )

    def json_web_keys(self) -> dict[str, Any]:
        """The JWKS document: the public half of the signing key."""
        key = jwt.algorithms.RSAAlgorithm.to_jwk(
            self._signing_key.public_key(), as_dict=True
        )
        key.update({"kid": self.key_id, "use": "sig", "issuer": self.issuer})
        return {"keys": [key]}


def _new_application(name: str) -> RegisteredApplication:
    return RegisteredApplication(
        name=name,
        client_id=str(uuid.uuid4()),
        client_secret=secrets.token_urlsafe(30),
        object_id=str(uuid.uuid4()),
    )


def _new_registry() -> dict[str, Any]:
    applications = {}

    for name in APPLICATION_NAMES:
        application = _new_application(name)
        fields = asdict(application)
        del fields["name"]
        applications[name] = fields

    return {"tenant_id": str(uuid.uuid4()), "applications": applications}


def _key_id(key: rsa.RSAPrivateKey) -> str:
    """The key's RFC 7638 thumbprint: stable across restarts, unique per key."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    members = json.dumps(
        {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(members.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _canonical_resource(url: str) -> str:
    """Scheme and host compared without case, and no trailing slash.

    Microsoft matches an application ID URI without regard to the case of its host
    and accepts `https://org.crm.dynamics.com//.default` as well as the single-slash
    form, so both spellings name the same resource.
    """
    url = url.rstrip("/")
    scheme, separator, rest = url.partition("://")

    if not separator:
        return url

    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
