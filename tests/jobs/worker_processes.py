"""Worker processes a test starts with `python -m`, killed at its end if still alive.

The crash tests kill a worker mid-job and start another; each worker writes its
output to `worker-<n>.log` in the test's folder, so a failure can be read after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.sandbox_process import PROJECT_ROOT


class WorkerProcesses:
    """Every worker process one test started from `module`."""

    def __init__(self, module: str, log_folder: Path) -> None:
        self.module = module
        self.log_folder = log_folder
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, environment: Mapping[str, str]) -> subprocess.Popen[bytes]:
        """A new worker with pocc's `environment` over this process's own."""
        log = (self.log_folder / f"worker-{len(self.started)}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=PROJECT_ROOT,
            env={**os.environ, **environment},
            stdout=log,
            stderr=log,
        )
        log.close()
        self.started.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
