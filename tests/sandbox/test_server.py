"""`python -m pocc sandbox`: start, sandbox.json, HTTPS, restarts, admin endpoints."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import sys
import time
import types
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
from flask import Flask

from pocc.sandbox import server
from tests.sandbox_process import PROJECT_ROOT, SandboxProcess


def port_of(sandbox: SandboxProcess) -> int:
    return int(sandbox.base_url.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sandbox_json_follows_the_contract(sandbox: SandboxProcess) -> None:
    config = sandbox.config
    identity = config["identity"]

    assert sandbox.base_url.startswith("https://localhost:")
    assert config["ca_bundle"] == str(sandbox.data_dir / "tls" / "ca.pem")
    assert identity["authority_host"] == f"{sandbox.base_url}/identity"
    for key in ("tenant_id", "client_id", "admin_client_id"):
        uuid.UUID(identity[key])
    assert identity["client_id"] != identity["admin_client_id"]
    assert len(identity["client_secret"]) >= 32
    assert identity["client_secret"] != identity["admin_client_secret"]
    assert config["orgs"]["contoso"]["url"] == f"{sandbox.base_url}/dataverse/contoso"


def test_sandbox_json_is_private_to_its_owner(sandbox: SandboxProcess) -> None:
    # It holds client secrets.
    mode = (sandbox.data_dir / "sandbox.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_health_answers_over_https_only(sandbox: SandboxProcess) -> None:
    health = sandbox.sandbox_admin("GET", "health")

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert {"identity", "faults", "protection"} <= set(health.json()["services"])

    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://localhost:{port_of(sandbox)}/_sandbox/health", timeout=10)


def test_each_request_gets_one_debug_log_line(sandbox: SandboxProcess) -> None:
    marker = uuid.uuid4().hex

    sandbox.http().get(f"_sandbox/health?marker={marker}")
    sandbox.http().get(f"no/such/path/{marker}")
    time.sleep(0.2)

    lines = [line for line in sandbox.log_text().splitlines() if marker in line]
    assert len(lines) == 2
    assert "DEBUG" in lines[0]
    assert lines[0].endswith("-> 200")
    assert lines[1].endswith("-> 404")


def test_log_lines_hold_no_email_address_or_secret(sandbox: SandboxProcess) -> None:
    marker = uuid.uuid4().hex

    sandbox.http().get(
        f"_sandbox/health?marker={marker}&email=jane.doe%40example.com&code=s3cret"
    )
    time.sleep(0.2)

    line = next(line for line in sandbox.log_text().splitlines() if marker in line)
    assert "jane.doe" not in line
    assert "s3cret" not in line
    assert "***%40example.com" in line


def test_concurrent_requests_are_served_in_parallel(sandbox: SandboxProcess) -> None:
    session = sandbox.http()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(
            pool.map(lambda _: session.get("_sandbox/health").status_code, range(48))
        )

    assert statuses == [200] * 48


def test_a_client_stalled_before_its_handshake_blocks_nobody(
    sandbox: SandboxProcess,
) -> None:
    with socket.create_connection(("localhost", port_of(sandbox)), timeout=10):
        started = time.monotonic()
        answer = sandbox.http().get("_sandbox/health", timeout=5)

    assert answer.status_code == 200
    assert time.monotonic() - started < 3


def test_settings_refuse_unknown_names_and_wrong_types(sandbox: SandboxProcess) -> None:
    unknown = sandbox.sandbox_admin("PATCH", "settings", {"protection": {"reqs": 5}})
    wrong_type = sandbox.sandbox_admin(
        "PATCH", "settings", {"protection": {"requests": "five"}}
    )
    not_an_object = sandbox.sandbox_admin("PATCH", "settings", [1])

    assert unknown.status_code == 400
    assert "protection.reqs" in unknown.json()["error"]
    assert wrong_type.status_code == 400
    assert "protection.requests" in wrong_type.json()["error"]
    assert not_an_object.status_code == 400
    assert (
        sandbox.sandbox_admin("GET", "settings").json()["protection"]["requests"]
        == 6000
    )


def test_settings_change_and_are_put_back(sandbox: SandboxProcess) -> None:
    with sandbox.settings({"protection": {"requests": 10}}) as changed:
        assert changed["protection"]["requests"] == 10
        current = sandbox.sandbox_admin("GET", "settings").json()
        assert current["protection"]["requests"] == 10
        assert current["protection"]["concurrent_requests"] == 52

    assert (
        sandbox.sandbox_admin("GET", "settings").json()["protection"]["requests"]
        == 6000
    )


def test_clock_advances_forward_only(fresh_sandbox) -> None:
    sandbox = fresh_sandbox()
    before = datetime.fromisoformat(sandbox.sandbox_admin("GET", "clock").json()["now"])

    advanced = sandbox.sandbox_admin("POST", "clock/advance", {"seconds": 86400})
    backwards = sandbox.sandbox_admin("POST", "clock/advance", {"seconds": -1})
    nonsense = sandbox.sandbox_admin("POST", "clock/advance", {"seconds": "soon"})

    assert advanced.status_code == 200
    moved = datetime.fromisoformat(advanced.json()["now"]) - before
    assert 86400 <= moved.total_seconds() < 86400 + 30
    assert backwards.status_code == 400
    assert nonsense.status_code == 400


def test_restart_keeps_tenant_apps_certificates_and_clock(fresh_sandbox) -> None:
    sandbox = fresh_sandbox()
    identity = dict(sandbox.identity)
    authority = sandbox.ca_bundle.read_bytes()
    sandbox.sandbox_admin("POST", "clock/advance", {"seconds": 3600})

    sandbox.restart()

    assert sandbox.identity | {"authority_host": ""} == identity | {
        "authority_host": ""
    }
    assert sandbox.ca_bundle.read_bytes() == authority
    clock = sandbox.sandbox_admin("GET", "clock").json()
    assert clock["offset_seconds"] >= 3600
    assert sandbox.token("admin")


def test_sigterm_and_ctrl_c_stop_cleanly(fresh_sandbox) -> None:
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        sandbox = fresh_sandbox()
        assert sandbox.process is not None

        sandbox.process.send_signal(stop_signal)
        exit_code = sandbox.process.wait(timeout=15)

        assert exit_code == 0
        assert not (sandbox.data_dir / "sandbox.json").exists()
        assert "sandbox stopped" in sandbox.log_text()
        assert "Traceback" not in sandbox.log_text()


def test_sigterm_lets_requests_in_flight_finish(fresh_sandbox) -> None:
    # An operator's stop must not cut a client off mid-answer: it could not tell
    # whether its write happened.
    sandbox = fresh_sandbox()
    session = sandbox.admin_session()
    plan = {"rules": [{"path": "WhoAmI$", "fault": "delay", "delay_seconds": 1.5}]}
    assert sandbox.sandbox_admin("PUT", "faults", plan).status_code == 200

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = [pool.submit(session.get, "WhoAmI") for _ in range(3)]
        time.sleep(0.5)
        sandbox.process.send_signal(signal.SIGTERM)
        statuses = [answer.result().status_code for answer in answers]

    assert statuses == [200, 200, 200]
    assert sandbox.process.wait(timeout=15) == 0
    assert "Traceback" not in sandbox.log_text()


def test_a_change_set_cut_by_sigkill_is_all_or_nothing(fresh_sandbox) -> None:
    sandbox = fresh_sandbox()
    authority = sandbox.ca_bundle.read_bytes()
    boundary = "batch_killed"
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    session = sandbox.admin_session()

    # A first, whole run tells how long one takes, so the kill lands mid-write.
    started = time.monotonic()
    whole = session.post(
        "$batch",
        data=_change_set_of_creates(sandbox, "Whole", boundary),
        headers=headers,
    )
    duration = time.monotonic() - started
    name = f"Killed {uuid.uuid4().hex[:8]}"

    with ThreadPoolExecutor(max_workers=1) as pool:
        body = _change_set_of_creates(sandbox, name, boundary)
        pending = pool.submit(session.post, "$batch", data=body, headers=headers)
        time.sleep(duration / 2)
        sandbox.process.kill()
        sandbox.process.wait()
        outcome = pending.exception() or pending.result().status_code

    sandbox.start()
    rows = sandbox.admin_session().get(
        "contacts",
        params={"$filter": f"lastname eq '{name}'", "$select": "lastname"},
        headers={"Prefer": "odata.maxpagesize=5000"},
    )

    assert whole.status_code == 200
    assert len(rows.json()["value"]) in (0, 1000), outcome
    assert sandbox.ca_bundle.read_bytes() == authority
    assert sandbox.config["pid"] == sandbox.process.pid


def _change_set_of_creates(sandbox: SandboxProcess, name: str, boundary: str) -> bytes:
    url = sandbox.web_api_url() + "contacts"
    row = json.dumps({"lastname": name, "jobtitle": "x" * 90})
    part = (
        "--changeset_killed\r\nContent-Type: application/http\r\n"
        "Content-Transfer-Encoding: binary\r\n\r\n"
        f"POST {url} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{row}\r\n"
    )
    inner = part * 1000 + "--changeset_killed--\r\n"
    head = "Content-Type: multipart/mixed; boundary=changeset_killed\r\n\r\n"
    return f"--{boundary}\r\n{head}{inner}--{boundary}--\r\n".encode()


def test_a_request_line_over_64_kb_is_answered_414_not_dropped(
    sandbox: SandboxProcess,
) -> None:
    answer = sandbox.http().get("_sandbox/health?padding=" + "a" * 70_000)

    assert answer.status_code == 414


def test_every_org_is_served_and_can_be_asked_for_a_token(fresh_sandbox) -> None:
    sandbox = fresh_sandbox("contoso", "fabrikam")

    assert set(sandbox.config["orgs"]) == {"contoso", "fabrikam"}
    assert sandbox.token("pocc", "fabrikam") != sandbox.token("pocc", "contoso")
    assert sandbox.sandbox_admin("GET", "health").json()["orgs"] == [
        "contoso",
        "fabrikam",
    ]


def test_a_given_port_is_used(fresh_sandbox) -> None:
    port = free_port()

    sandbox = fresh_sandbox(port=port)

    assert sandbox.base_url == f"https://localhost:{port}"
    assert sandbox.http().get("_sandbox/health").status_code == 200


def test_a_port_in_use_is_a_clear_failure(sandbox: SandboxProcess, tmp_path) -> None:
    command = [sys.executable, "-m", "pocc", "sandbox", "--data", str(tmp_path)]
    command += ["--port", str(port_of(sandbox))]

    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "in use" in result.stderr
    assert not (tmp_path / "sandbox.json").exists()


def fake_service(monkeypatch: pytest.MonkeyPatch, mount: object | None) -> str:
    module = types.ModuleType("pocc.sandbox.fake_service")

    if mount is not None:
        module.mount = mount

    monkeypatch.setitem(sys.modules, module.__name__, module)
    return "fake_service"


def test_a_service_without_mount_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    name = fake_service(monkeypatch, mount=None)

    mounted = server._mount_if_ready(name, Flask(__name__), None)

    assert mounted == {}
    assert "has no mount() yet" in caplog.text


def test_a_service_importing_its_own_unwritten_module_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def mount(app: Flask, context: object) -> dict:
        raise ModuleNotFoundError("not yet", name="pocc.sandbox.fake_service.later")

    name = fake_service(monkeypatch, mount)

    assert server._mount_if_ready(name, Flask(__name__), None) == {}
    assert "skipped" in caplog.text


def test_a_service_that_fails_otherwise_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def mount(app: Flask, context: object) -> dict:
        raise ModuleNotFoundError("missing dependency", name="some_third_party")

    name = fake_service(monkeypatch, mount)

    with pytest.raises(ModuleNotFoundError, match="missing dependency"):
        server._mount_if_ready(name, Flask(__name__), None)
