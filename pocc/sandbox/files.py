"""Files the sandbox writes that readers must never see half-written.

`sandbox.json`, the certificates and the identity registry are read by other processes
(tests, the demo, the worker) that may look while the sandbox is writing them, so each
is written to a temporary file beside it and renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` in one step; `mode` 0o600 for keys and secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}."
    )

    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

        os.chmod(temporary_name, mode)
        os.replace(temporary_name, path)
    except BaseException:
        Path(temporary_name).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, payload: Any, mode: int = 0o644) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    write_atomically(path, text.encode("utf-8"), mode)
