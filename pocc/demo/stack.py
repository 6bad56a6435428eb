"""Everything the demo runs: the sandbox, pocc's proxy and a pocc worker.

The proxy listens where the Constant Contact application's registered redirect URI
points (`http://localhost:8000/api/registration/register?orgidname=*`). When port
8000 is taken, the proxy takes a free port and the sandbox is told to accept that
redirect URI too, as an administrator would add it to the application.

Each run starts from a fresh organisation (the folder's earlier data is replaced;
its certificate authority is kept), so the demo shows the same thing every time.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import requests

from pocc.config import Settings, load_settings
from pocc.demo.processes import ChildProcess, free_port, port_is_free
from pocc.sandbox.constantcontact.registration import EXTRA_REDIRECT_URIS_VARIABLE
from pocc.sandbox.process import SandboxProcess
from pocc.vault import new_key

logger = logging.getLogger(__name__)

REGISTERED_PORT = 8000
ORGANIZATION = "contoso"
REDIRECT_PATH = "/api/registration/register?orgidname=*"
# Short enough that a demo job starts within a second of being created without a
# nudge reaching the worker (the proxy and the worker are separate processes).
WORKER_TIMING = {
    "POCC_POLL_SECONDS": "1",
    "POCC_HEARTBEAT_SECONDS": "1",
    "POCC_STALE_SECONDS": "30",
}
# The machine's fault plan is for tests that ask for it, not for the demo.
DROPPED_VARIABLES = ("POCC_SANDBOX_FAULTS",)
KEPT_ON_RESET = ("tls",)


class DemoStack:
    """Starts and stops the three processes; knows their URLs and settings."""

    def __init__(
        self,
        data_dir: Path,
        proxy_port: int | None = None,
        *,
        sandbox_log_level: str | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.proxy_port = proxy_port or choose_proxy_port()
        self.public_url = f"http://localhost:{self.proxy_port}"
        self.sandbox = SandboxProcess(
            self.data_dir / "sandbox",
            port=0,
            orgs=(ORGANIZATION,),
            extra_env=self._sandbox_environment(),
            log_file=self.logs / "sandbox.log",
            log_level=sandbox_log_level,
            dropped_env=DROPPED_VARIABLES,
        )
        self.proxy: ChildProcess | None = None
        self.worker: ChildProcess | None = None
        self.environment: dict[str, str] = {}

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    @property
    def config(self) -> dict[str, Any]:
        """The sandbox's `sandbox.json`."""
        return self.sandbox.config

    def reset(self) -> None:
        """Forgets the previous run's organisation and accounts (keeps the CA)."""
        sandbox_dir = self.data_dir / "sandbox"

        if sandbox_dir.exists():
            for entry in sandbox_dir.iterdir():
                if entry.name in KEPT_ON_RESET:
                    continue

                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()

        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True, exist_ok=True)

    def start_sandbox(self) -> None:
        self.sandbox.start()
        self.environment = self._pocc_environment()

    def start_pocc(self) -> None:
        """The proxy, then a worker, both with pocc's settings for this sandbox."""
        self.proxy = ChildProcess(
            "proxy",
            ["serve", "--bind", f"127.0.0.1:{self.proxy_port}"],
            self.child_environment(),
            self.logs / "proxy.log",
        )
        self.proxy.start(self._proxy_answers)
        self.worker = ChildProcess(
            "worker", ["worker"], self.child_environment(), self.logs / "worker.log"
        )
        self.worker.start(self._worker_started)

    def stop(self) -> list[str]:
        """Stops the worker, the proxy, then the sandbox; what did not stop cleanly."""
        problems = []

        for child in (self.worker, self.proxy):
            if child is not None and child.running() and child.stop() is None:
                problems.append(child.name)

        if self.sandbox.process is not None and self.sandbox.stop() is None:
            problems.append("sandbox")

        return problems

    def settings(self, app: str = "pocc") -> Settings:
        """pocc's settings, or ("admin") the System Administrator app's."""
        environment = dict(self.environment)

        if app == "admin":
            identity = self.config["identity"]
            environment["POCC_CLIENT_ID"] = identity["admin_client_id"]
            environment["POCC_CLIENT_SECRET"] = identity["admin_client_secret"]

        return load_settings(environment)

    def _sandbox_environment(self) -> dict[str, str]:
        if self.proxy_port == REGISTERED_PORT:
            return {}

        return {EXTRA_REDIRECT_URIS_VARIABLE: self.public_url + REDIRECT_PATH}

    def _pocc_environment(self) -> dict[str, str]:
        identity = self.config["identity"]
        constant_contact = self.config["constantcontact"]
        return {
            "POCC_ORGS": f"{ORGANIZATION}={self.config['orgs'][ORGANIZATION]['url']}",
            "POCC_CLIENT_ID": identity["client_id"],
            "POCC_CLIENT_SECRET": identity["client_secret"],
            "POCC_AUTHORITY_HOST": identity["authority_host"],
            "POCC_CA_BUNDLE": self.config["ca_bundle"],
            "POCC_SECRET_KEY": self._secret_key(),
            "POCC_CC_AUTH_URL": constant_contact["auth_url"],
            "POCC_CC_API_URL": constant_contact["api_url"],
            "POCC_PUBLIC_URL": self.public_url,
            **WORKER_TIMING,
        }

    def child_environment(self) -> dict[str, str]:
        """The environment of a pocc command this demo runs (`python -m pocc ...`)."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("POCC_")
        }
        return {**inherited, **self.environment}

    def _secret_key(self) -> str:
        """The vault key of this demo folder, made on the first run (mode 0600)."""
        path = self.data_dir / "secret.key"

        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

            with os.fdopen(descriptor, "w") as handle:
                handle.write(new_key())

        return path.read_text().strip()

    def _proxy_answers(self) -> bool:
        session = requests.Session()
        session.trust_env = False

        try:
            answer = session.get(f"{self.public_url}/healthz", timeout=2)
        except requests.RequestException:
            return False
        finally:
            session.close()

        return answer.status_code == 200

    def _worker_started(self) -> bool:
        return self.worker is not None and " threads, organisations " in (
            self.worker.log_text()
        )


def choose_proxy_port() -> int:
    """8000 (the registered redirect URI's port) when it is free, else any free one."""
    if port_is_free(REGISTERED_PORT):
        return REGISTERED_PORT

    port = free_port()
    logger.info("port %s is taken; the proxy uses %s", REGISTERED_PORT, port)
    return port
