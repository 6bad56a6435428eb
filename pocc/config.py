"""pocc's settings: every `POCC_` environment variable, declared once, checked at start.

`SETTINGS` is the single declaration (name, parser, default, one-line description,
secret or not). `load_settings(environ)` parses them all and raises one
`ConfigurationError` naming every problem, so an operator fixes a deployment in one
pass. `describe(environ)` is what `python -m pocc config` prints, secrets masked.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pocc.errors import ConfigurationError

logger = logging.getLogger(__name__)

NEW_KEY_HINT = (
    'make one with `python -m pocc config --new-key` (or `python -c "from '
    'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`), '
    "keep it secret, and set it on every proxy and worker"
)

# Dataverse refuses more than 52 concurrent requests per application user; stay well
# under it so that several workers sharing one app user still fit.
MAX_IN_FLIGHT_LIMIT = 40

_ORG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$")


@dataclass(frozen=True)
class Organization:
    """One Dataverse organisation pocc serves."""

    name: str
    url: str
    # The Microsoft Entra tenant; None means "discover it from the org's 401 challenge".
    tenant: str | None = None


@dataclass(frozen=True)
class Settings:
    organizations: Mapping[str, Organization]
    client_id: str
    client_secret: str
    authority_host: str
    constant_contact_auth_url: str
    constant_contact_api_url: str
    ca_bundle: Path | None
    # Newest first: the first key encrypts, every key decrypts.
    secret_keys: tuple[str, ...]
    max_in_flight: int
    max_wait_seconds: float
    timeout_seconds: float
    public_url: str = "http://localhost:8000"
    constant_contact_requests_per_second: int = 4
    constant_contact_requests_per_day: int = 10_000
    worker_threads: int = 4
    poll_seconds: float = 15.0
    heartbeat_seconds: float = 5.0
    stale_seconds: float = 60.0

    def organization(self, name: str) -> Organization:
        try:
            return self.organizations[name]
        except KeyError:
            known = ", ".join(sorted(self.organizations)) or "none"
            raise ConfigurationError(
                [f"organisation {name!r} is not in POCC_ORGS (configured: {known})"]
            ) from None


@dataclass(frozen=True)
class Setting:
    env: str
    field: str
    parse: Callable[[str], Any]
    description: str
    default: str | None = None
    required: bool = False
    secret: bool = False


def _text(value: str) -> str:
    return value.strip()


def _guid(value: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError(f"{value.strip()!r} is not a GUID") from None


def _https_url(value: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)

    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{url!r} is not an https:// URL")

    if parts.query or parts.fragment:
        raise ValueError(f"{url!r} must not carry a query or a fragment")

    return url


def _browser_url(value: str) -> str:
    """An https URL, or plain http on this machine only (a local demo or test)."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")

    if not local:
        return _https_url(url)

    if parts.query or parts.fragment:
        raise ValueError(f"{url!r} must not carry a query or a fragment")

    return url


def _existing_file(value: str) -> Path | None:
    if not value.strip():
        return None

    path = Path(value.strip()).expanduser()

    if not path.is_file():
        raise ValueError(f"{str(path)!r} is not a readable file")

    return path.resolve()


def _pairs(value: str, what: str) -> list[tuple[str, str]]:
    """`a=x;b=y` (also split on newlines) -> [(a, x), (b, y)]."""
    pairs = []

    for item in re.split(r"[;\n]", value):
        if not item.strip():
            continue

        name, separator, text = item.partition("=")

        if not separator or not name.strip() or not text.strip():
            raise ValueError(f"{item.strip()!r} is not {what}")

        pairs.append((name.strip(), text.strip()))

    return pairs


def _organizations(value: str) -> dict[str, str]:
    urls: dict[str, str] = {}

    for name, url in _pairs(value, "name=https://org-url"):
        if not _ORG_NAME.match(name):
            raise ValueError(
                f"organisation name {name!r} must be lower-case letters, digits, "
                "'-' or '_'"
            )

        if name in urls:
            raise ValueError(f"organisation {name!r} is listed twice")

        urls[name] = _https_url(url)

    if not urls:
        raise ValueError("no organisation given")

    return urls


def _tenants(value: str) -> dict[str, str]:
    tenants = {}

    for name, tenant in _pairs(value, "name=tenant"):
        if not _TENANT.match(tenant):
            raise ValueError(f"tenant {tenant!r} for {name!r} is not a tenant id")

        tenants[name] = tenant

    return tenants


def _secret_keys(value: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in value.split(",") if key.strip())

    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""

        if len(raw) != 32:
            raise ValueError(
                f"key {position} is not a Fernet key (32 url-safe base64 bytes); "
                + NEW_KEY_HINT
            )

    if not keys:
        raise ValueError("no key given; " + NEW_KEY_HINT)

    return keys


def _bounded_number(kind: type, low: float, high: float) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            number = kind(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a number") from None

        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low:g}..{high:g}")

        return number

    return parse


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "POCC_ORGS",
        "organizations",
        _organizations,
        "Dataverse organisations served: name=url pairs separated by ';'",
        required=True,
    ),
    Setting(
        "POCC_ORG_TENANTS",
        "tenants",
        _tenants,
        "Entra tenant per organisation (name=tenant;...); others are discovered",
        default="",
    ),
    Setting(
        "POCC_CLIENT_ID",
        "client_id",
        _guid,
        "application (client) id of pocc's app registration in Entra",
        required=True,
    ),
    Setting(
        "POCC_CLIENT_SECRET",
        "client_secret",
        _text,
        "client secret of that app registration",
        required=True,
        secret=True,
    ),
    Setting(
        "POCC_AUTHORITY_HOST",
        "authority_host",
        _https_url,
        "Microsoft identity host that issues tokens",
        default="https://login.microsoftonline.com",
    ),
    Setting(
        "POCC_CC_AUTH_URL",
        "constant_contact_auth_url",
        _https_url,
        "Constant Contact OAuth2 base URL (authorize and token endpoints)",
        default="https://authz.constantcontact.com/oauth2/default/v1",
    ),
    Setting(
        "POCC_CC_API_URL",
        "constant_contact_api_url",
        _https_url,
        "Constant Contact v3 API base URL",
        default="https://api.cc.email/v3",
    ),
    Setting(
        "POCC_CA_BUNDLE",
        "ca_bundle",
        _existing_file,
        "PEM file of trusted CAs for both services (empty: the system's)",
        default="",
    ),
    Setting(
        "POCC_SECRET_KEY",
        "secret_keys",
        _secret_keys,
        "Fernet keys encrypting stored tokens, comma-separated, newest first",
        required=True,
        secret=True,
    ),
    Setting(
        "POCC_MAX_IN_FLIGHT",
        "max_in_flight",
        _bounded_number(int, 1, MAX_IN_FLIGHT_LIMIT),
        "most requests one client has in flight at once",
        default="16",
    ),
    Setting(
        "POCC_MAX_WAIT_SECONDS",
        "max_wait_seconds",
        _bounded_number(float, 1, 3600),
        "longest total wait on retries before one call gives up",
        default="300",
    ),
    Setting(
        "POCC_TIMEOUT_SECONDS",
        "timeout_seconds",
        _bounded_number(float, 1, 600),
        "timeout of one HTTP request",
        default="120",
    ),
    Setting(
        "POCC_PUBLIC_URL",
        "public_url",
        _browser_url,
        "URL where browsers reach pocc's proxy (Constant Contact redirects there)",
        default="http://localhost:8000",
    ),
    Setting(
        "POCC_CC_REQUESTS_PER_SECOND",
        "constant_contact_requests_per_second",
        _bounded_number(int, 1, 1000),
        "most Constant Contact requests per second per account (the service: 4)",
        default="4",
    ),
    Setting(
        "POCC_CC_REQUESTS_PER_DAY",
        "constant_contact_requests_per_day",
        _bounded_number(int, 1, 100_000_000),
        "Constant Contact daily request budget per account (the service: 10,000)",
        default="10000",
    ),
    Setting(
        "POCC_WORKER_THREADS",
        "worker_threads",
        _bounded_number(int, 1, 32),
        "jobs one worker runs at once",
        default="4",
    ),
    Setting(
        "POCC_POLL_SECONDS",
        "poll_seconds",
        _bounded_number(float, 0.1, 3600),
        "how often a worker looks for queued jobs (a nudge from the proxy is sooner)",
        default="15",
    ),
    Setting(
        "POCC_HEARTBEAT_SECONDS",
        "heartbeat_seconds",
        _bounded_number(float, 0.1, 300),
        "how often a running job writes its heartbeat, counts and log",
        default="5",
    ),
    Setting(
        "POCC_STALE_SECONDS",
        "stale_seconds",
        _bounded_number(float, 1, 3600),
        "silence after which another runner reclaims a running job (> 3 heartbeats)",
        default="60",
    ),
)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """All settings from `environ`; one ConfigurationError lists every problem."""
    values: dict[str, Any] = {}
    problems: list[str] = []

    for setting in SETTINGS:
        raw = environ.get(setting.env, "")

        if not raw.strip():
            if setting.required:
                problems.append(_missing(setting))
                continue

            raw = setting.default or ""

        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{setting.env}: {error}")

    organizations = _join_tenants(values, problems)

    if problems:
        raise ConfigurationError(problems)

    logger.debug("settings loaded for organisations %s", ", ".join(organizations))
    return Settings(organizations=organizations, **values)


def _missing(setting: Setting) -> str:
    message = f"{setting.env} is not set ({setting.description})"

    if setting.env == "POCC_SECRET_KEY":
        message += "; " + NEW_KEY_HINT

    return message


def _join_tenants(
    values: dict[str, Any], problems: list[str]
) -> dict[str, Organization]:
    urls = values.pop("organizations", None)
    tenants = values.pop("tenants", None) or {}

    # When POCC_ORGS itself is wrong, its problem is already listed; checking the
    # tenants against nothing would only add noise.
    if urls is None:
        return {}

    for name in sorted(set(tenants) - set(urls)):
        problems.append(f"POCC_ORG_TENANTS names {name!r}, which is not in POCC_ORGS")

    return {
        name: Organization(name=name, url=url, tenant=tenants.get(name))
        for name, url in urls.items()
    }


def describe(environ: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(name, effective value with secrets masked, description) for every setting."""
    rows = []

    for setting in SETTINGS:
        raw = environ.get(setting.env, "").strip()
        shown = raw if raw else (setting.default or "")

        if setting.secret and raw:
            shown = _masked(setting, raw)
        elif not raw and setting.required:
            shown = "(not set)"
        elif not raw:
            shown = f"{shown} (default)" if shown else "(default: none)"

        rows.append((setting.env, shown, setting.description))

    return rows


def _masked(setting: Setting, raw: str) -> str:
    if setting.env == "POCC_SECRET_KEY":
        count = len([key for key in raw.split(",") if key.strip()])
        return f"****** ({count} key{'s' if count != 1 else ''})"

    return "******"
