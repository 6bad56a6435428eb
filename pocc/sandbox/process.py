"""Start `python -m pocc sandbox` as a child process and wait until it serves.

The demo and the tests both run the sandbox this way, so that what they exercise is the
real command, the real HTTPS server and the real `sandbox.json` contract.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 60.0


class SandboxStartError(RuntimeError):
    """The sandbox process exited or did not become ready in time."""


class SandboxProcess:
    """A running sandbox child process and its parsed `sandbox.json`."""

    def __init__(
        self,
        data_dir: Path,
        port: int = 0,
        orgs: Sequence[str] = (),
        extra_env: dict[str, str] | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.orgs = tuple(orgs)
        self.extra_env = extra_env or {}
        self.log_file = log_file or self.data_dir / "sandbox.log"
        self.config: dict[str, Any] = {}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def ready_file(self) -> Path:
        return self.data_dir / "sandbox.json"

    def start(self) -> dict[str, Any]:
        """Start the process and return `sandbox.json` once the server answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

        # A stale file from an earlier run must not be mistaken for readiness.
        self.ready_file.unlink(missing_ok=True)

        command = [sys.executable, "-m", "pocc", "sandbox"]
        command += ["--port", str(self.port), "--data", str(self.data_dir)]

        for org in self.orgs:
            command += ["--org", org]

        environment = {**os.environ, **self.extra_env}

        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )

        self.config = self._wait_until_ready()
        logger.info("sandbox ready at %s", self.base_url)
        return self.config

    @property
    def base_url(self) -> str:
        return self.config["identity"]["authority_host"].rsplit("/identity", 1)[0]

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop the process with SIGTERM (as an operator would) and wait for it."""
        if self._process is None or self._process.poll() is not None:
            return None if self._process is None else self._process.returncode

        self._process.send_signal(signal.SIGTERM)

        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("sandbox did not stop within %ss; killing it", timeout)
            self._process.kill()
            return self._process.wait()

    def _wait_until_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS

        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise SandboxStartError(
                    f"the sandbox exited with status {self._process.returncode}; "
                    f"see {self.log_file}"
                )

            if self.ready_file.exists():
                return json.loads(self.ready_file.read_text())

            time.sleep(0.1)

        self.stop()
        raise SandboxStartError(
            f"the sandbox was not ready after {START_TIMEOUT_SECONDS:.0f}s; "
            f"see {self.log_file}"
        )

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
