"""Fault injection: plans, their determinism, and each fault as a client meets it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from pocc.sandbox.fault_plan import FaultPlanError, parse_plan
from pocc.sandbox.faults import FaultInjector
from tests.sandbox_process import PROJECT_ROOT, SandboxProcess

WEB_API_PATH = "/dataverse/contoso/api/data/v9.2/WhoAmI"
CC_PATH = "/constantcontact/v3/account/summary"


def plan(**rule: object) -> dict:
    return {"seed": 1, "rules": [rule]}


def decisions(injector: FaultInjector, count: int, path: str = "/x") -> list[bool]:
    return [injector.choose("GET", path) is not None for _ in range(count)]


# -- plans ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ([], "JSON object"),
        ({"rules": [{"fault": "429"}]}, "path"),
        ({"rules": [{"path": "(", "fault": "429"}]}, "not a valid regex"),
        ({"rules": [{"path": "/", "fault": "418"}]}, "fault must be one of"),
        ({"rules": [{"path": "/", "fault": "429", "share": 2}]}, "between 0 and 1"),
        ({"rules": [{"path": "/", "fault": "429", "shar": 1}]}, "unknown keys"),
        ({"rules": [{"path": "/", "fault": "delay", "delay_seconds": 999}]}, "0 to"),
        ({"seed": "x", "rules": []}, "seed"),
        ({"rules": [{"path": "/", "fault": "429", "times": -1}]}, "whole number"),
    ],
)
def test_invalid_plans_are_refused_with_the_reason(
    payload: object, complaint: str
) -> None:
    with pytest.raises(FaultPlanError, match=complaint):
        parse_plan(payload)


def test_the_same_seed_gives_the_same_decisions() -> None:
    first = FaultInjector(parse_plan(plan(path="^/x", fault="503", share=0.5)))
    second = FaultInjector(parse_plan(plan(path="^/x", fault="503", share=0.5)))
    other_seed = FaultInjector(
        parse_plan(
            {"seed": 2, "rules": [{"path": "^/x", "fault": "503", "share": 0.5}]}
        )
    )

    assert decisions(first, 200) == decisions(second, 200)
    assert decisions(other_seed, 200) != decisions(first, 200)


def test_share_is_the_proportion_of_matching_requests() -> None:
    injector = FaultInjector(parse_plan(plan(path="^/x", fault="503", share=0.3)))

    hits = sum(decisions(injector, 2000))

    assert 500 < hits < 700


def test_unmatched_requests_do_not_disturb_a_rules_decisions() -> None:
    quiet = FaultInjector(parse_plan(plan(path="^/x", fault="503", share=0.5)))
    busy = FaultInjector(parse_plan(plan(path="^/x", fault="503", share=0.5)))

    expected = decisions(quiet, 50)
    observed = []
    for _ in range(50):
        busy.choose("GET", "/unrelated")
        observed.append(busy.choose("GET", "/x") is not None)

    assert observed == expected


def test_times_caps_the_injections_and_methods_filter() -> None:
    injector = FaultInjector(
        parse_plan(plan(path="^/x", fault="500", times=2, methods=["post"]))
    )

    assert injector.choose("GET", "/x") is None
    assert decisions_for_post(injector, 4) == [True, True, False, False]
    assert injector.describe()["rules"][0]["injected"] == 2


def decisions_for_post(injector: FaultInjector, count: int) -> list[bool]:
    return [injector.choose("POST", "/x") is not None for _ in range(count)]


def test_admin_paths_are_never_faulted() -> None:
    injector = FaultInjector(parse_plan(plan(path=".*", fault="500")))

    assert injector.choose("GET", "/_sandbox/faults") is None


# -- over HTTPS --------------------------------------------------------------------


def test_off_by_default(sandbox: SandboxProcess) -> None:
    assert sandbox.sandbox_admin("GET", "faults").json() == {"seed": 0, "rules": []}


def test_dataverse_429_has_dataverse_shape_and_retry_after(
    sandbox: SandboxProcess,
) -> None:
    with sandbox.faults(plan(path="^/dataverse/", fault="429", retry_after=7)):
        answer = sandbox.http().get(WEB_API_PATH)

    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["error"]["code"] == "0x80072322"
    assert answer.json()["error"]["message"].startswith("Number of requests exceeded")


def test_dataverse_429_defaults_retry_after_to_one_second(
    sandbox: SandboxProcess,
) -> None:
    with sandbox.faults(plan(path="^/dataverse/", fault="429")):
        answer = sandbox.http().get(WEB_API_PATH)

    assert answer.headers["Retry-After"] == "1"


def test_constant_contact_429_is_its_single_object_without_retry_after(
    sandbox: SandboxProcess,
) -> None:
    # The real service sends no Retry-After (see the Constant Contact notes).
    with sandbox.faults(plan(path="^/constantcontact/", fault="429")):
        answer = sandbox.http().get(CC_PATH)

    assert answer.status_code == 429
    assert answer.json() == {
        "error_key": "throttled",
        "error_message": "Too Many Requests",
    }
    assert "Retry-After" not in answer.headers


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_wear_each_services_shape(
    sandbox: SandboxProcess, status: int
) -> None:
    with sandbox.faults(plan(path="^/(dataverse|constantcontact)/", fault=str(status))):
        dataverse = sandbox.http().get(WEB_API_PATH)
        constant_contact = sandbox.http().get(CC_PATH)

    assert dataverse.status_code == status
    assert set(dataverse.json()["error"]) == {"code", "message"}
    assert constant_contact.status_code == status
    assert set(constant_contact.json()[0]) == {"error_key", "error_message"}


def test_identity_faults_reach_msal_shaped_as_oauth_errors(
    sandbox: SandboxProcess,
) -> None:
    with sandbox.faults(plan(path="/oauth2/", fault="503", retry_after=2)):
        answer = sandbox.http().post(
            f"{sandbox.identity['authority_host']}/{sandbox.identity['tenant_id']}"
            "/oauth2/v2.0/token",
            data={"grant_type": "client_credentials"},
        )

    assert answer.status_code == 503
    assert answer.json()["error"] == "temporarily_unavailable"
    assert answer.headers["Retry-After"] == "2"


def test_delay_holds_the_answer_then_serves_it(sandbox: SandboxProcess) -> None:
    with sandbox.faults(plan(path="^/_?identity/", fault="delay", delay_seconds=0.6)):
        started = time.monotonic()
        answer = sandbox.http().get(
            f"{sandbox.identity['authority_host']}/common"
            "/v2.0/.well-known/openid-configuration"
        )
        elapsed = time.monotonic() - started

    assert answer.status_code == 200
    assert elapsed >= 0.6


def test_drop_closes_the_connection_without_an_answer(sandbox: SandboxProcess) -> None:
    with (
        sandbox.faults(plan(path="^/dataverse/", fault="drop", times=1)),
        pytest.raises(requests.ConnectionError),
    ):
        sandbox.http().get(WEB_API_PATH)

    # The server itself is unharmed.
    assert sandbox.sandbox_admin("GET", "health").status_code == 200


def test_plan_can_be_read_back_with_counts_and_cleared(sandbox: SandboxProcess) -> None:
    answer = sandbox.sandbox_admin("PUT", "faults", plan(path="^/nowhere", fault="500"))
    sandbox.http().get("/nowhere")
    described = sandbox.sandbox_admin("GET", "faults").json()
    cleared = sandbox.sandbox_admin("DELETE", "faults")

    assert answer.status_code == 200
    assert described["rules"][0]["matched"] == 1
    assert described["rules"][0]["injected"] == 1
    assert cleared.status_code == 204
    assert sandbox.sandbox_admin("GET", "faults").json()["rules"] == []


def test_an_invalid_plan_is_400_and_changes_nothing(sandbox: SandboxProcess) -> None:
    answer = sandbox.sandbox_admin("PUT", "faults", {"rules": [{"path": "("}]})

    assert answer.status_code == 400
    assert "regex" in answer.json()["error"]
    assert sandbox.sandbox_admin("GET", "faults").json()["rules"] == []


def test_environment_variable_turns_faults_on_at_start(fresh_sandbox) -> None:
    faults = json.dumps(plan(path="^/dataverse/", fault="503"))
    sandbox = fresh_sandbox(env={"POCC_SANDBOX_FAULTS": faults})

    answer = sandbox.http().get(WEB_API_PATH)

    assert answer.status_code == 503
    assert sandbox.sandbox_admin("GET", "faults").json()["seed"] == 1


def test_an_invalid_environment_plan_stops_the_start(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pocc",
            "sandbox",
            "--port",
            "0",
            "--data",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env={"POCC_SANDBOX_FAULTS": '{"rules": [{"path": "/", "fault": "teapot"}]}'},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "POCC_SANDBOX_FAULTS is not a valid fault plan" in result.stderr
    assert not (tmp_path / "sandbox.json").exists()
