"""Which privileges each application user actually exercised, kept on disk.

A role should grant exactly what its holder uses. The sandbox notes every privilege
a check granted, per application id, in `{data}/dataverse/privileges-used.jsonl`
(one line the first time each pair is seen, appended at once so a killed sandbox
keeps what it saw). The test run compares that record with the roles the solution
defines, so a privilege nobody uses is found rather than assumed.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

LEDGER_FILE = "privileges-used.jsonl"


class PrivilegeLedger:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def use_file(self, path: Path) -> None:
        with self._lock:
            self._path = path
            self._seen = set()

    def record(self, app_id: str, privilege: str) -> None:
        pair = (app_id, privilege)

        if pair in self._seen or self._path is None:
            return

        with self._lock:
            if pair in self._seen:
                return

            self._seen.add(pair)
            line = json.dumps({"app_id": app_id, "privilege": privilege})

            with self._path.open("a", encoding="utf-8") as ledger:
                ledger.write(line + "\n")


# One ledger per sandbox process; `mount` points it at the data folder.
LEDGER = PrivilegeLedger(None)


def open_ledger(data_dir: Path) -> None:
    folder = data_dir / "dataverse"
    folder.mkdir(parents=True, exist_ok=True)
    LEDGER.use_file(folder / LEDGER_FILE)
    logger.debug("privileges used are noted in %s", folder / LEDGER_FILE)
