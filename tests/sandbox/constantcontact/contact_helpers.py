"""Small helpers shared by the contact, list and activity tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.sandbox.constantcontact.spec_client import ContractClient


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.com"


def new_list(cc_api: ContractClient, prefix: str = "Test list") -> str:
    answer = cc_api.post(
        "/contact_lists", json={"name": f"{prefix} {uuid.uuid4().hex[:8]}"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["list_id"]


def new_contact(cc_api: ContractClient, **fields: Any) -> dict[str, Any]:
    body = {
        "email_address": {"address": unique_email(), "permission_to_send": "implicit"},
        "create_source": "Account",
        **fields,
    }
    answer = cc_api.post("/contacts", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def finished_activity(cc_api: ContractClient, activity_id: str) -> dict[str, Any]:
    """Poll an activity until it completes or fails (the sandbox runs it in seconds)."""
    deadline = time.monotonic() + 30

    while time.monotonic() < deadline:
        answer = cc_api.get(f"/activities/{activity_id}")
        assert answer.status_code == 200, answer.text
        activity = answer.json()

        if activity["state"] in ("completed", "failed"):
            return activity

        time.sleep(0.05)

    raise AssertionError(f"activity {activity_id} did not finish: {activity}")
