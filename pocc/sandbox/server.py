"""`python -m pocc sandbox`: one HTTPS server on localhost holding every service.

Start-up, in order: make or reuse the TLS material, bind the port (`--port 0` picks a
free one, so the public URL is known before any service mounts), build the Flask app
with each service mounted, and only then write `sandbox.json`, which tells clients
that the sandbox answers. Stopping (Ctrl-C or SIGTERM) closes the socket, lets the
requests already in flight finish (up to `DRAIN_SECONDS`), runs the services'
shutdown hooks and removes `sandbox.json`; the data folder stays.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import signal
import socket
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from pocc.sandbox import admin, faults, identity, protection
from pocc.sandbox.certificates import (
    CertificateFiles,
    ensure_certificates,
    server_ssl_context,
)
from pocc.sandbox.context import SandboxClock, SandboxContext
from pocc.sandbox.files import write_json_atomically
from pocc.sandbox.log_masking import masked

logger = logging.getLogger(__name__)

HOST = "localhost"
DEFAULT_PORT = 8443
DEFAULT_DATA = Path(".pocc/sandbox")
DEFAULT_ORG = "contoso"
CONFIG_FILE_NAME = "sandbox.json"
# Services built by other modules, mounted in this order after identity (the D365
# shell last: it draws on Dataverse). A package without `mount` yet is skipped with
# a warning, so the server runs while they grow.
LATER_SERVICES = ("dataverse", "constantcontact", "shell")
# Org names become URL segments and database file names.
ORG_NAME = re.compile(r"^[a-z][a-z0-9-]{0,49}$")
# A connection idle for this long (no request line, no body) is closed, so a client
# that connects and never speaks cannot hold a thread forever.
CONNECTION_TIMEOUT_SECONDS = 120
# On SIGTERM or Ctrl-C, requests already being answered get this long to finish
# before the services shut down under them.
DRAIN_SECONDS = 10.0
# Request lines may carry email addresses ($filter, ?email=) and codes or secrets in
# query strings; log lines keep only what an operator needs to follow a request.


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"HTTPS port on localhost; 0 picks a free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"folder for certificates, data, sandbox.json (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--org",
        dest="orgs",
        action="append",
        type=_org_name,
        metavar="NAME",
        help=f"a Dataverse organisation to serve; repeatable (default {DEFAULT_ORG})",
    )


def run(args: argparse.Namespace) -> int:
    _stop_on_signals()
    data_dir: Path = args.data.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = data_dir / CONFIG_FILE_NAME
    config_file.unlink(missing_ok=True)

    certificate_files = ensure_certificates(data_dir)
    application = _LateApplication()
    server = _make_https_server(args.port, application, certificate_files)

    context = SandboxContext(
        data_dir=data_dir,
        base_url=f"https://{HOST}:{server.port}",
        clock=SandboxClock(data_dir / "clock.json"),
        org_names=tuple(dict.fromkeys(args.orgs or [DEFAULT_ORG])),
    )

    try:
        application.flask_app, config = build_app(context, certificate_files)
        write_json_atomically(config_file, config, mode=0o600)
        logger.info("sandbox ready at %s (data in %s)", context.base_url, data_dir)
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopped while starting")
    finally:
        server.server_close()
        config_file.unlink(missing_ok=True)
        _drain(server)
        _run_shutdown_hooks(context)
        logger.info("sandbox stopped")

    return 0


def build_app(
    context: SandboxContext, certificate_files: CertificateFiles
) -> tuple[Flask, dict[str, Any]]:
    """The Flask app with every service mounted, and the `sandbox.json` contents."""
    app = Flask(__name__)
    config: dict[str, Any] = {
        "ca_bundle": str(certificate_files.ca_bundle),
        "base_url": context.base_url,
        # Lets a client that restarts the sandbox tell the new file from a stale one.
        "pid": os.getpid(),
        # The Dataverse service replaces this with its own block when it mounts; it
        # is filled here so the contract holds whichever services are present.
        "orgs": {name: {"url": context.org_url(name)} for name in context.org_names},
    }

    # Faults first: its before_request must run ahead of every service's handlers.
    config.update(faults.mount(app, context))
    config.update(admin.mount(app, context))
    config.update(protection.mount(app, context))
    config.update(identity.mount(app, context))

    for service_name in LATER_SERVICES:
        config.update(_mount_if_ready(service_name, app, context))

    return app, config


def _mount_if_ready(
    service_name: str, app: Flask, context: SandboxContext
) -> dict[str, Any]:
    """Mount a service built elsewhere, or skip it while it is still being written.

    "Still being written" means no `mount` yet, or an import inside its own package
    that cannot be satisfied yet (a module or a name not written). Any other
    failure, a missing third-party package included, stops the sandbox.
    """
    package = f"pocc.sandbox.{service_name}"

    try:
        mount = getattr(importlib.import_module(package), "mount", None)

        if mount is None:
            logger.warning(
                "sandbox service %s has no mount() yet; skipped", service_name
            )
            return {}

        return mount(app, context)
    except ImportError as error:
        name = error.name or ""

        if name != package and not name.startswith(package + "."):
            raise

        logger.warning("sandbox service %s skipped: %s", service_name, error)
        return {}


class _LateApplication:
    """The WSGI app handed to the server before the Flask app can exist.

    The Flask app needs the public URL, which needs the bound port; the server
    needs an app to bind. Requests wait in the listen backlog until serving starts,
    by which time `flask_app` is set.
    """

    flask_app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.flask_app is None:
            raise RuntimeError("the sandbox received a request before it was built")

        return self.flask_app(environ, start_response)


class InFlightRequests:
    """How many requests are being answered, so that a stop can wait for them."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def __enter__(self) -> None:
        with self._idle:
            self._count += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class _RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with one debug line per request in pocc's own logger."""

    timeout = CONNECTION_TIMEOUT_SECONDS

    def run_wsgi(self) -> None:
        with self.server.in_flight:
            super().run_wsgi()

    def setup(self) -> None:
        super().setup()

        # Answers are written in several small pieces; without this, Nagle's algorithm
        # holds each piece back until the client acknowledges the last one (~40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A request line refused before it was parsed (414) has no path or method.
        path = masked(getattr(self, "path", "") or "-")
        method = getattr(self, "command", "") or "-"

        if getattr(self, "environ", {}).get(faults.DROPPED_ENVIRON_KEY):
            logger.debug("%s %s -> connection dropped", method, path)
            return

        status = int(code) if str(code).isdigit() else 0
        level = logging.WARNING if status >= 500 else logging.DEBUG
        logger.log(level, "%s %s -> %s", method, path[:2000], code)

    def log_error(self, format: str, *args: Any) -> None:
        logger.warning("connection from %s: %s", self.address_string(), format % args)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s", format % args)


def _make_https_server(
    port: int, application: _LateApplication, certificate_files: CertificateFiles
) -> BaseWSGIServer:
    server = make_server(
        HOST, port, application, threaded=True, request_handler=_RequestHandler
    )

    # Werkzeug would wrap the listening socket so that accept() also shakes hands,
    # in the one accepting thread: a client that stalls mid-handshake would stop
    # everyone. Deferring the handshake moves it into each connection's thread.
    ssl_context = server_ssl_context(certificate_files)
    server.socket = ssl_context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    server.ssl_context = ssl_context
    server.in_flight = InFlightRequests()
    return server


def _drain(server: BaseWSGIServer) -> None:
    """Let requests already being answered finish (the socket no longer accepts)."""
    try:
        if not server.in_flight.wait_idle(DRAIN_SECONDS):
            logger.warning("stopping with requests still unanswered")
    except KeyboardInterrupt:
        logger.warning("stopping at once: interrupted again")


def _stop_on_signals() -> None:
    """Make SIGTERM behave as Ctrl-C does: `serve_forever` then ends cleanly."""

    def stop(signal_number: int, frame: FrameType | None) -> None:
        logger.info("stopping the sandbox (signal %s)", signal_number)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _run_shutdown_hooks(context: SandboxContext) -> None:
    for hook in reversed(context.shutdown_hooks):
        try:
            hook()
        except Exception:
            logger.exception("a sandbox shutdown hook failed: %r", hook)


def _org_name(value: str) -> str:
    if not ORG_NAME.match(value):
        message = (
            f"invalid org name {value!r}: use lower-case letters, digits and '-', "
            "starting with a letter"
        )
        raise argparse.ArgumentTypeError(message)

    return value
