"""Start `python -m pocc sandbox` as a child process and wait until it serves.

The demo and the tests both run the sandbox this way, so that what they exercise is the
real command, the real HTTPS server and the real `sandbox.json` contract. The tests'
fixture (`tests/sandbox_process.py`) adds HTTP clients on top of this class.
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
STOP_TIMEOUT_SECONDS = 15.0
# `python -m pocc` must find the package whatever the caller's working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SandboxStartError(RuntimeError):
    """The sandbox process exited or did not become ready in time."""


class SandboxProcess:
    """A running sandbox child process and its parsed `sandbox.json`.

    `extra_env` is added to the caller's environment and `dropped_env` names
    variables kept from the child (a test must not inherit the machine's fault plan).
    `log_level` is passed to `python -m pocc --log-level`.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = 0,
        orgs: Sequence[str] = (),
        extra_env: dict[str, str] | None = None,
        log_file: Path | None = None,
        *,
        log_level: str | None = None,
        dropped_env: Sequence[str] = (),
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.orgs = tuple(orgs)
        self.extra_env = extra_env or {}
        self.log_file = log_file or self.data_dir / "sandbox.log"
        self.log_level = log_level
        self.dropped_env = tuple(dropped_env)
        self.config: dict[str, Any] = {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ready_file(self) -> Path:
        return self.data_dir / "sandbox.json"

    def start(self) -> dict[str, Any]:
        """Start the process and return `sandbox.json` once the server answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)

        # A stale file from an earlier run must not be mistaken for readiness.
        self.ready_file.unlink(missing_ok=True)

        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self._command(),
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._environment(),
            )

        self.config = self._wait_until_ready()
        logger.info("sandbox ready at %s", self.base_url)
        return self.config

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM (as an operator would), then SIGKILL if it will not go.

        Returns the exit code, or None when it had to be killed or never ran.
        """
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode

        self.process.send_signal(signal.SIGTERM)

        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("sandbox did not stop within %ss; killing it", timeout)
            self.process.kill()
            self.process.wait()
            return None

    def restart(self) -> dict[str, Any]:
        """Stop and start again on the same data folder (its state survives)."""
        self.stop()
        return self.start()

    def log_text(self) -> str:
        if not self.log_file.exists():
            return ""

        return self.log_file.read_text(errors="replace")

    @property
    def base_url(self) -> str:
        if "base_url" in self.config:
            return self.config["base_url"]

        return self.config["identity"]["authority_host"].rsplit("/identity", 1)[0]

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "pocc"]

        if self.log_level:
            command += ["--log-level", self.log_level]

        command += ["sandbox", "--port", str(self.port), "--data", str(self.data_dir)]

        for org in self.orgs:
            command += ["--org", org]

        return command

    def _environment(self) -> dict[str, str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in self.dropped_env
        }
        environment.update(self.extra_env)
        return environment

    def _wait_until_ready(self) -> dict[str, Any]:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxStartError(
                    f"the sandbox exited with status {self.process.returncode}; "
                    f"its log ends:\n{self.log_text()[-4000:]}"
                )

            config = self._ready_config()

            if config is not None:
                return config

            time.sleep(0.05)

        self.stop()
        raise SandboxStartError(
            f"the sandbox was not ready after {START_TIMEOUT_SECONDS:.0f}s; its log "
            f"ends:\n{self.log_text()[-4000:]}"
        )

    def _ready_config(self) -> dict[str, Any] | None:
        """`sandbox.json`, once this child (not an earlier run) has written it."""
        if not self.ready_file.exists():
            return None

        config = json.loads(self.ready_file.read_text())
        assert self.process is not None

        if config.get("pid", self.process.pid) != self.process.pid:
            return None

        return config

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
