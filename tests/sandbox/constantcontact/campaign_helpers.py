"""Helpers for the campaign tests: make a campaign, a list of contacts, advance time."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.sandbox.constantcontact.spec_client import ContractClient

SENDER = "news@contoso-coffee.example"
LINKS = (
    "https://contoso-coffee.example/shop",
    "https://contoso-coffee.example/blog/pour-over",
    "https://contoso-coffee.example/stores",
)


def campaign_body(name: str | None = None, links: tuple[str, ...] = LINKS) -> dict:
    anchors = "".join(
        f'<p><a href="{url}">Link {i}</a></p>' for i, url in enumerate(links)
    )
    return {
        "name": name or f"Test campaign {uuid.uuid4()}",
        "email_campaign_activities": [
            {
                "format_type": 5,
                "from_name": "Contoso Coffee",
                "from_email": SENDER,
                "reply_to_email": SENDER,
                "subject": "Fresh roasts",
                "preheader": "This week only",
                "html_content": (
                    "<html><body>[[trackingImage]]<h1>Hello [[FIRSTNAME]]</h1>"
                    f"{anchors}</body></html>"
                ),
                "physical_address_in_footer": {
                    "address_line1": "200 Harbor Street",
                    "city": "Boston",
                    "state_code": "MA",
                    "country_code": "US",
                    "organization_name": "Contoso Coffee Roasters",
                },
            }
        ],
    }


def create_campaign(cc_api: Any, **kwargs: Any) -> tuple[dict, str]:
    """A new campaign and its primary email activity id."""
    response = cc_api.post("/emails", json=campaign_body(**kwargs))
    assert response.status_code == 200, response.text
    campaign = response.json()
    primary = next(
        a["campaign_activity_id"]
        for a in campaign["campaign_activities"]
        if a["role"] == "primary_email"
    )
    return campaign, primary


def activity_update(list_ids: list[str], **changes: Any) -> dict:
    body = {
        "from_name": "Contoso Coffee",
        "from_email": SENDER,
        "reply_to_email": SENDER,
        "subject": "Fresh roasts",
        "contact_list_ids": list_ids,
    }
    body.update(changes)
    return body


def create_list(cc_api: Any) -> str:
    response = cc_api.post("/contact_lists", json={"name": f"List {uuid.uuid4()}"})
    assert response.status_code in (200, 201), response.text
    return response.json()["list_id"]


def import_contacts(cc_api: Any, list_id: str, count: int, prefix: str) -> list[str]:
    """Bulk import `count` new contacts into a list, wait for the activity, and
    return their addresses."""
    contacts = [
        {
            "email": f"{prefix}.{i}@example.com",
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
        }
        for i in range(count)
    ]
    return import_rows(cc_api, list_id, contacts)


def import_rows(cc_api: Any, list_id: str, contacts: list[dict[str, Any]]) -> list[str]:
    """Bulk import rows into a list, wait for the activity; the rows' addresses."""
    response = cc_api.post(
        "/activities/contacts_json_import",
        json={"import_data": contacts, "list_ids": [list_id]},
    )
    assert response.status_code == 201, response.text
    activity_id = response.json()["activity_id"]
    deadline = time.monotonic() + 60

    while time.monotonic() < deadline:
        status = cc_api.get(f"/activities/{activity_id}").json()["state"]
        if status in ("completed", "failed"):
            assert status == "completed"
            return [contact["email"] for contact in contacts]

        time.sleep(0.1)

    raise AssertionError(f"import {activity_id} did not finish")


def schedule_now(cc_api: Any, activity_id: str) -> None:
    response = cc_api.post(
        f"/emails/activities/{activity_id}/schedules", json={"scheduled_date": "0"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == []


def advance_clock(sandbox: Any, seconds: float) -> None:
    answer = sandbox.sandbox_admin("POST", "clock/advance", {"seconds": seconds})
    assert answer.status_code == 200, answer.text


def set_recipients(cc_api: Any, activity_id: str, list_ids: list[str]) -> None:
    response = cc_api.put(
        f"/emails/activities/{activity_id}", json=activity_update(list_ids)
    )
    assert response.status_code == 200, response.text


def sandbox_now(sandbox: Any) -> datetime:
    answer = sandbox.sandbox_admin("GET", "clock")
    assert answer.status_code == 200, answer.text
    return datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))


def api_time(moment: datetime) -> str:
    """A date-time as the API writes it: `2026-03-02T15:00:00.000Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def send_history(cc_api: Any, activity_id: str) -> list[dict[str, Any]]:
    response = cc_api.get(f"/emails/activities/{activity_id}/send_history")
    assert response.status_code == 200, response.text
    return response.json()


def activity_status(cc_api: Any, activity_id: str) -> str:
    response = cc_api.get(f"/emails/activities/{activity_id}")
    assert response.status_code == 200, response.text
    return response.json()["current_status"]


@dataclass
class PrivateSandbox:
    """A sandbox of one test module's own: its tests may move its clock freely
    without disturbing the session's sandbox, which other suites share."""

    process: Any
    api: ContractClient

    def advance(self, seconds: float) -> None:
        advance_clock(self.process, seconds)

    def now(self) -> datetime:
        return sandbox_now(self.process)
