"""Fault injection shared by every sandbox service: 429, 503, 500, delays, drops.

Off by default. A plan is JSON, given in `POCC_SANDBOX_FAULTS` at start or through
`PUT /_sandbox/faults` (read it back with GET, clear it with DELETE):

    {"seed": 7, "rules": [{"path": "^/dataverse/", "fault": "429", "share": 0.5,
                           "methods": ["GET"], "retry_after": 2, "times": 3}]}

Each rule matches requests whose path its `path` regex finds, and applies its fault
to a `share` of them (at most `times` times when given). `fault` is one of "429",
"503", "500", "delay" (sleep `delay_seconds`, then answer normally) or "drop" (close
the connection without answering). The first rule that fires wins. Decisions are
fixed by `seed` and each request's place among those its rule matched, so the
same requests meet the same faults on every run. `/_sandbox/` paths are never faulted.

Answers wear each service's own error shape: Dataverse's `{"error": {"code",
"message"}}` with `Retry-After` on 429; Constant Contact's single
`{"error_key": "throttled", ...}` object on 429, which the real service sends without
`Retry-After` (so the sandbox adds one only when the rule sets `retry_after`); Microsoft
identity's OAuth error JSON elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from pocc.sandbox import protection
from pocc.sandbox.context import SandboxContext
from pocc.sandbox.dataverse.errors import UNEXPECTED
from pocc.sandbox.fault_plan import FaultPlan, FaultPlanError, FaultRule, parse_plan

logger = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "POCC_SANDBOX_FAULTS"
NEVER_FAULTED_PREFIX = "/_sandbox/"
# Set in the WSGI environ of a request whose connection was dropped on purpose, so
# the server logs it as such rather than as a failed answer.
DROPPED_ENVIRON_KEY = "pocc.sandbox.connection_dropped"
DEFAULT_DATAVERSE_RETRY_AFTER = 1

blueprint = Blueprint("sandbox_faults", __name__, url_prefix="/_sandbox")


class FaultInjector:
    """Decides, per request, whether a fault applies; keeps counts for tests."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(plan or FaultPlan(seed=0, rules=()))

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._matched = [0] * len(plan.rules)
            self._injected = [0] * len(plan.rules)

        if plan.rules:
            logger.info(
                "fault injection on: %s rule(s), seed %s", len(plan.rules), plan.seed
            )
        else:
            logger.info("fault injection off")

    def describe(self) -> dict[str, Any]:
        with self._lock:
            rules = [
                rule.describe() | {"matched": matched, "injected": injected}
                for rule, matched, injected in zip(
                    self._plan.rules, self._matched, self._injected, strict=True
                )
            ]
            return {"seed": self._plan.seed, "rules": rules}

    def choose(self, method: str, path: str) -> FaultRule | None:
        """The fault this request meets, if any (one random draw per matching rule)."""
        if path.startswith(NEVER_FAULTED_PREFIX):
            return None

        with self._lock:
            for index, rule in enumerate(self._plan.rules):
                if not rule.matches(method, path):
                    continue

                self._matched[index] += 1
                draw = _draw(self._plan.seed, index, self._matched[index])

                if rule.times is not None and self._injected[index] >= rule.times:
                    continue

                if draw < rule.share:
                    self._injected[index] += 1
                    return rule

        return None

    def before_request(self) -> Response | None:
        rule = self.choose(request.method, request.path)

        if rule is None:
            return None

        logger.debug(
            "injecting fault %s into %s %s", rule.fault, request.method, request.path
        )

        if rule.fault == "delay":
            time.sleep(rule.delay_seconds)
            return None

        if rule.fault == "drop":
            return _drop_connection()

        return _error_response(rule, request.path)


def _draw(seed: int, rule_index: int, request_number: int) -> float:
    """A number in [0, 1) fixed by the seed, the rule and the request's place.

    Hashing instead of a shared generator keeps each rule's decisions independent of
    traffic that other rules see, so a test's requests meet the same faults however
    many unrelated requests (token fetches, polls) run beside them.
    """
    key = f"{seed}:{rule_index}:{request_number}".encode("ascii")
    digest = hashlib.sha256(key).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def mount(app: Flask, context: SandboxContext) -> dict[str, Any]:
    injector = FaultInjector(_plan_from_environment())
    app.before_request(injector.before_request)
    app.extensions["pocc.faults"] = injector
    app.register_blueprint(blueprint)
    context.services["faults"] = injector
    return {}


def _plan_from_environment() -> FaultPlan | None:
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()

    if not text:
        return None

    try:
        return parse_plan(json.loads(text))
    except (json.JSONDecodeError, FaultPlanError) as error:
        raise FaultPlanError(
            f"{ENVIRONMENT_VARIABLE} is not a valid fault plan: {error}"
        ) from error


def _injector() -> FaultInjector:
    return current_app.extensions["pocc.faults"]


@blueprint.get("/faults")
def read_faults() -> Response:
    return jsonify(_injector().describe())


@blueprint.put("/faults")
def replace_faults() -> Response:
    try:
        plan = parse_plan(request.get_json(silent=True))
    except FaultPlanError as error:
        response = jsonify({"error": str(error)})
        response.status_code = 400
        return response

    _injector().configure(plan)
    return jsonify(_injector().describe())


@blueprint.delete("/faults")
def clear_faults() -> Response:
    _injector().configure(FaultPlan(seed=0, rules=()))
    return Response(status=204)


def _drop_connection() -> Response:
    """Close the TCP connection under the request: the client gets no answer at all.

    Shutting the socket down (without a TLS close) makes werkzeug's attempt to write
    the returned response fail as a dropped connection, which it ignores.
    """
    connection = request.environ.get("werkzeug.socket")
    request.environ[DROPPED_ENVIRON_KEY] = True

    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            logger.debug("connection already gone when dropping it")

    return Response(status=500)


def _error_response(rule: FaultRule, path: str) -> Response:
    status = int(rule.fault)

    if path.startswith("/dataverse/"):
        response = _dataverse_error(status)
        retry_after = rule.retry_after or DEFAULT_DATAVERSE_RETRY_AFTER
    elif path.startswith("/constantcontact"):
        response = _constant_contact_error(status)
        retry_after = rule.retry_after
    else:
        response = _identity_error(status)
        retry_after = rule.retry_after

    response.status_code = status

    if retry_after is not None and status in (429, 503):
        response.headers["Retry-After"] = str(retry_after)

    return response


def _dataverse_error(status: int) -> Response:
    if status == 429:
        limits = protection.DEFAULT_LIMITS
        error = protection.requests_limit_error(
            limits["requests"], limits["window_seconds"], DEFAULT_DATAVERSE_RETRY_AFTER
        )
        return jsonify(error.body())

    message = {
        503: "The service is temporarily unavailable. Please try again later.",
        500: "An unexpected error occurred.",
    }[status]
    return jsonify({"error": {"code": UNEXPECTED, "message": message}})


def _constant_contact_error(status: int) -> Response:
    if status == 429:
        return jsonify({"error_key": "throttled", "error_message": "Too Many Requests"})

    # The spec describes these statuses only in words; the body follows its general
    # error shape, an array of {error_key, error_message}.
    body = {
        503: (
            "service_unavailable",
            "Our internal service is temporarily unavailable.",
        ),
        500: ("server_error", "There was a problem with our internal service."),
    }[status]
    return jsonify([{"error_key": body[0], "error_message": body[1]}])


def _identity_error(status: int) -> Response:
    error = "temporarily_unavailable" if status in (429, 503) else "server_error"
    return jsonify({"error": error, "error_description": "Injected by the sandbox."})
