"""pocc's own commands (`serve`, `worker`) run as child processes of the demo.

Each writes its log to a file in the demo's folder; the demo waits until it is
ready and stops it as an operator would, with SIGTERM, so the worker checkpoints its
jobs and the proxy drains its requests.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pocc.sandbox.process import PROJECT_ROOT

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0


class ChildStartError(RuntimeError):
    """A child process exited or did not become ready; the message quotes its log."""


class ChildProcess:
    """`python -m pocc <arguments>` with its own environment and log file."""

    def __init__(
        self, name: str, arguments: Sequence[str], env: dict[str, str], log_file: Path
    ) -> None:
        self.name = name
        self.arguments = list(arguments)
        self.env = env
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready: Callable[[], bool]) -> None:
        """Starts the process and waits until `ready()` says it serves."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)

        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pocc", *self.arguments],
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
            )

        deadline = time.monotonic() + READY_TIMEOUT_SECONDS

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ChildStartError(
                    f"the {self.name} exited with status {self.process.returncode}; "
                    f"its log ends:\n{self.log_tail()}"
                )

            if ready():
                logger.debug("%s ready (pid %s)", self.name, self.process.pid)
                return

            time.sleep(0.1)

        self.stop()
        raise ChildStartError(
            f"the {self.name} was not ready after {READY_TIMEOUT_SECONDS:.0f}s; its "
            f"log ends:\n{self.log_tail()}"
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it will not go; the exit code (None if killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode

        self.process.send_signal(signal.SIGTERM)

        try:
            return self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            logger.warning("the %s did not stop in time; killing it", self.name)
            self.process.kill()
            self.process.wait()
            return None

    def log_text(self) -> str:
        if not self.log_file.exists():
            return ""

        return self.log_file.read_text(errors="replace")

    def log_tail(self, characters: int = 4000) -> str:
        return self.log_text()[-characters:]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False

    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
