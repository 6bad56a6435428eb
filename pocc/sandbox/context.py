"""What every sandbox service shares: where data lives, the public URL, the clock.

`server.py` builds one `SandboxContext` at start and hands it to each service's
`mount(app, context)`. Services keep their own state under `context.data_dir`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


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
