"""A pytest plugin: the log output of the whole test run holds nothing secret.

Every record any logger emits during the run (at DEBUG, so nothing hides below the
default level) and every log file a sandbox wrote under the run's temporary folder is
read at the end. A full email address, a JSON Web Token, a vault token or one of the
sandboxes' own secrets in any of them fails the run, naming where it was found (the
finding itself is shown masked).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocc.redaction import redact

# Shapes that must never appear in a log line.
FULL_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
JSON_WEB_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.")
VAULT_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]{40,}")
SECRET_KEYS = ("client_secret", "admin_client_secret", "password")
SHOWN_FINDINGS = 20


class _RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)

        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"

        self.lines.append((record.name, text))


@pytest.fixture(scope="session", autouse=True)
def log_audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    handler = _RecordingHandler()
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)

    base = tmp_path_factory.getbasetemp()
    secrets = _sandbox_secrets(base)
    findings = [
        *_scan(handler.lines, secrets),
        *_scan(_log_file_lines(base), secrets),
    ]

    if findings:
        shown = "\n".join(findings[:SHOWN_FINDINGS])
        pytest.fail(
            f"{len(findings)} log line(s) of this run hold an email address, a token "
            f"or a secret:\n{shown}",
            pytrace=False,
        )


def _sandbox_secrets(base: Path) -> set[str]:
    """The secrets every sandbox of the run made: its applications' and its account's.

    `sandbox.json` is gone once a sandbox stops, so they are read where each service
    keeps them: the identity registry and Constant Contact's registration.
    """
    secrets: set[str] = set()

    for path in base.rglob("registry.json"):
        applications = _json(path).get("applications", {})
        secrets.update(
            str(app["client_secret"])
            for app in applications.values()
            if app.get("client_secret")
        )

    for path in base.rglob("registration.json"):
        registration = _json(path)
        secrets.update(
            str(value)
            for key, value in registration.items()
            if key in SECRET_KEYS and value
        )

    return secrets


def _json(path: Path) -> dict:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}

    return loaded if isinstance(loaded, dict) else {}


def _log_file_lines(base: Path) -> Iterator[tuple[str, str]]:
    for path in base.rglob("*.log"):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue

        for line in text.splitlines():
            yield str(path.relative_to(base)), line


def _scan(lines: Iterator[tuple[str, str]] | list, secrets: set[str]) -> list[str]:
    findings = []

    for where, text in lines:
        leaked = (
            FULL_EMAIL.search(text)
            or JSON_WEB_TOKEN.search(text)
            or VAULT_TOKEN.search(text)
            or any(secret in text for secret in secrets)
        )

        if leaked:
            masked = redact(text)

            for secret in secrets:
                masked = masked.replace(secret, "<secret>")

            findings.append(f"  {where}: {masked[:300]}")

    return findings
