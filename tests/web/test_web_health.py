"""`/healthz` and `/readyz` against the sandbox."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.sandbox_process import SandboxProcess


def test_healthz_answers_without_calling_anything(client: FlaskClient) -> None:
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}


def test_readyz_checks_dataverse_and_reports_the_token_state(
    client: FlaskClient, configuration_id: str
) -> None:
    answer = client.get("/readyz")

    contoso = answer.json["organizations"]["contoso"]
    assert answer.status_code == 200
    assert answer.json["status"] == "ready"
    assert contoso["dataverse"] == "ok"
    assert contoso["constant_contact"] in ("not connected", "connected")
    assert "Authenticate" in contoso["message"] or "Connected to" in contoso["message"]


def test_readyz_is_not_ready_when_dataverse_refuses(
    client: FlaskClient, web_sandbox: SandboxProcess, configuration_id: str
) -> None:
    plan = {"seed": 1, "rules": [{"path": "WhoAmI", "fault": "500", "share": 1.0}]}

    with web_sandbox.faults(plan):
        answer = client.get("/readyz")

    contoso = answer.json["organizations"]["contoso"]
    assert answer.status_code == 503
    assert answer.json["status"] == "not ready"
    assert contoso["dataverse"] == "failed"
    assert "Dynamics 365 did not answer as expected" in contoso["message"]
