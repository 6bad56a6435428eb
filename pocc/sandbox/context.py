"""What every sandbox service shares: where data lives, the public URL, the clock.

`server.py` builds one `SandboxContext` at start and hands it to each service's
`mount(app, context)`. Services keep their own state under `context.data_dir`.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A settings change that names an unknown setting or gives the wrong type."""


class SandboxClock:
    """The sandbox's notion of now: real time plus an offset that tests may advance.

    The offset is kept in `clock.json` so that a restarted sandbox keeps its time.
    """

    def __init__(self, state_file: Path) -> None:
        self._state_file = state_file
        self._lock = threading.Lock()
        self._offset = timedelta()

        if state_file.exists():
            seconds = json.loads(state_file.read_text())["offset_seconds"]
            self._offset = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the sandbox clock only moves forward")

        with self._lock:
            self._offset += delta
            payload = {"offset_seconds": self._offset.total_seconds()}
            self._state_file.write_text(json.dumps(payload))

        return self.now()


@dataclass
class SandboxContext:
    data_dir: Path
    # Public base URL of the one HTTPS server, e.g. "https://localhost:8443".
    base_url: str
    clock: SandboxClock
    org_names: tuple[str, ...] = ("contoso",)
    # Free-form settings that tests may lower (service protection limits, paces, ...).
    settings: dict[str, Any] = field(default_factory=dict)
    # Filled in by services as they mount: shared objects other services may need,
    # keyed by a short name ("identity", "faults", "dataverse", "constantcontact").
    services: dict[str, Any] = field(default_factory=dict)
    # Called in reverse order when the server stops (close databases, stop threads).
    shutdown_hooks: list[Callable[[], None]] = field(default_factory=list)
    _settings_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False
    )

    def org_url(self, org_name: str) -> str:
        """The public URL of one organisation, as `sandbox.json` names it."""
        return f"{self.base_url}/dataverse/{org_name}"

    def setting(self, *path: str) -> Any:
        """One setting, e.g. `context.setting("protection", "requests")`."""
        value: Any = self.settings

        for key in path:
            value = value[key]

        return value

    def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge `changes` into the settings and return a copy of them all.

        Services declare their settings (with defaults) by putting them in
        `settings` when they mount; a change may only name settings that exist and
        must keep each one's type, so a misspelt limit fails loudly instead of
        silently doing nothing. Nothing changes unless every part is valid.
        """
        with self._settings_lock:
            merged = copy.deepcopy(self.settings)
            _merge_settings(merged, changes, path="")
            self.settings.clear()
            self.settings.update(merged)
            logger.info("sandbox settings changed: %s", changes)
            return copy.deepcopy(self.settings)

    def settings_snapshot(self) -> dict[str, Any]:
        with self._settings_lock:
            return copy.deepcopy(self.settings)


def _merge_settings(target: dict[str, Any], changes: Any, path: str) -> None:
    if not isinstance(changes, dict):
        raise SettingsError(f"settings{path or ''} must be a JSON object")

    for key, value in changes.items():
        where = f"{path}.{key}"

        if key not in target:
            known = ", ".join(sorted(target)) or "none"
            raise SettingsError(f"unknown setting {where[1:]!r} (known here: {known})")

        current = target[key]

        if isinstance(current, dict):
            _merge_settings(current, value, where)
        elif _same_kind(current, value):
            target[key] = value
        else:
            expected = type(current).__name__
            raise SettingsError(f"setting {where[1:]!r} must be a {expected}")


def _same_kind(current: Any, value: Any) -> bool:
    """Whether `value` may replace `current` (an int may stand for a float)."""
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)

    if isinstance(current, float):
        return isinstance(value, int | float)

    if current is None:
        return True

    return isinstance(value, type(current))
