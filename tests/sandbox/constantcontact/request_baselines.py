"""One valid request per operation, so that a broken copy proves what broke it.

The spec can say what is wrong with a request but not what a sensible right one is
(a confirmed sender address, a list that exists). `VALID_REQUESTS` holds, for each
operation the sandbox implements with a body or constrained query parameters, a
factory of a valid request; `Resources` makes (once per session, through the checking
client) the lists, contacts, fields and campaigns those requests point at. Every
factory call makes fresh names and addresses, so a request that the sandbox wrongly
accepts cannot collide with the next one.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.sandbox.constantcontact.spec_client import ContractClient

TRACKED_HTML = (
    "<html><body><p>Spring news</p>"
    '<a href="https://example.com/spring">Read more</a>[[trackingImage]]</body></html>'
)


@dataclass
class ValidRequest:
    path_params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    # Undoes what accepting the request started (e.g. a schedule), if anything.
    undo: Callable[[], Any] | None = None


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def unique_email() -> str:
    return f"spec.{uuid.uuid4().hex[:12]}@example.com"


class Resources:
    """Things valid requests point at, made on first use through the v3 API."""

    def __init__(self, api: ContractClient) -> None:
        self.api = api

    def created(self, path: str, body: Any, expected: int = 201) -> dict[str, Any]:
        response = self.api.post(path, json=body)
        assert response.status_code == expected, f"{path}: {response.text}"
        return response.json()

    @functools.cached_property
    def list_ids(self) -> tuple[str, str]:
        made = [
            self.created("/contact_lists", {"name": unique("spec lists")})["list_id"]
            for _ in range(2)
        ]
        return made[0], made[1]

    @functools.cached_property
    def contact_id(self) -> str:
        return self.created("/contacts", self.contact_body())["contact_id"]

    @functools.cached_property
    def custom_field_id(self) -> str:
        body = {"label": unique("Spec field"), "type": "string"}
        return self.created("/contact_custom_fields", body)["custom_field_id"]

    @functools.cached_property
    def sender(self) -> str:
        response = self.api.get(
            "/account/emails", params={"confirm_status": "CONFIRMED"}
        )
        assert response.status_code == 200, response.text
        return response.json()[0]["email_address"]

    @functools.cached_property
    def campaign_id(self) -> str:
        return self.created("/emails", self.campaign_body(), expected=200)[
            "campaign_id"
        ]

    @functools.cached_property
    def campaign_activity_id(self) -> str:
        response = self.api.get(f"/emails/{self.campaign_id}")
        assert response.status_code == 200, response.text
        activities = response.json()["campaign_activities"]
        return next(a for a in activities if a["role"] == "primary_email")[
            "campaign_activity_id"
        ]

    @functools.cached_property
    def activity_id(self) -> str:
        body = {
            "source": {"list_ids": [self.list_ids[0]]},
            "list_ids": [self.list_ids[1]],
        }
        return self.created("/activities/add_list_memberships", body)["activity_id"]

    def path_value(self, name: str) -> str:
        """A real value for a path parameter of the spec, by its name."""
        makers: dict[str, Callable[[], str]] = {
            "contact_id": lambda: self.contact_id,
            "list_id": lambda: self.list_ids[0],
            "custom_field_id": lambda: self.custom_field_id,
            "campaign_id": lambda: self.campaign_id,
            "campaign_ids": lambda: self.campaign_id,
            "campaign_activity_id": lambda: self.campaign_activity_id,
            "campaign_activity_ids": lambda: self.campaign_activity_id,
            "activity_id": lambda: self.activity_id,
        }
        assert name in makers, f"no way to make a {name!r}: teach Resources.path_value"
        return makers[name]()

    def contact_body(self) -> dict[str, Any]:
        return {
            "email_address": {
                "address": unique_email(),
                "permission_to_send": "implicit",
            },
            "first_name": "Grace",
            "last_name": "Hopper",
            "job_title": "Rear admiral",
            "company_name": "US Navy",
            "create_source": "Account",
            "birthday_month": 12,
            "birthday_day": 9,
            "anniversary": "2006-11-05",
            "phone_numbers": [{"phone_number": "+1 555 0100", "kind": "work"}],
            "street_addresses": [
                {
                    "kind": "work",
                    "street": "1 Main Street",
                    "city": "Arlington",
                    "state": "VA",
                    "postal_code": "22201",
                    "country": "United States",
                }
            ],
            "list_memberships": [self.list_ids[0]],
        }

    def campaign_body(self) -> dict[str, Any]:
        return {
            "name": unique("Spec campaign"),
            "email_campaign_activities": [
                {
                    "format_type": 5,
                    "from_name": "Spec Tests",
                    "from_email": self.sender,
                    "reply_to_email": self.sender,
                    "subject": "Spring news",
                    "preheader": "What is new",
                    "html_content": TRACKED_HTML,
                    "physical_address_in_footer": {
                        "address_line1": "1 Main Street",
                        "city": "Arlington",
                        "country_code": "US",
                        "organization_name": "Spec Tests",
                        "postal_code": "22201",
                        "state_code": "VA",
                    },
                }
            ],
        }


def put_contact(res: Resources) -> ValidRequest:
    body = res.contact_body()
    body.pop("create_source")
    body["update_source"] = "Account"
    contact = res.created("/contacts", res.contact_body())
    body["email_address"] = {"address": contact["email_address"]["address"]}
    return ValidRequest({"contact_id": contact["contact_id"]}, body)


def sign_up_form(res: Resources) -> ValidRequest:
    return ValidRequest(
        body={
            "email_address": unique_email(),
            "first_name": "Ada",
            "last_name": "Lovelace",
            "job_title": "Analyst",
            "company_name": "Engines",
            "phone_number": "+1 555 0101",
            "list_memberships": [res.list_ids[0]],
            "custom_fields": [
                {"custom_field_id": res.custom_field_id, "value": "blue"}
            ],
            "street_address": {
                "kind": "home",
                "street": "2 Side Street",
                "city": "Bath",
            },
        }
    )


def json_import(res: Resources) -> ValidRequest:
    row = {
        "email": unique_email(),
        "first_name": "Alan",
        "last_name": "Turing",
        "job_title": "Fellow",
        "company_name": "King's",
        "phone": "+44 20 7946 0000",
        "street": "3 Park Road",
        "city": "Wilmslow",
        "state": "Cheshire",
        "zip": "SK9",
        "country": "United Kingdom",
    }
    return ValidRequest(body={"import_data": [row], "list_ids": [res.list_ids[0]]})


def list_memberships(res: Resources) -> ValidRequest:
    body = {"source": {"list_ids": [res.list_ids[0]]}, "list_ids": [res.list_ids[1]]}
    return ValidRequest(body=body)


def update_activity(res: Resources) -> ValidRequest:
    activity = res.campaign_body()["email_campaign_activities"][0]
    activity["contact_list_ids"] = [res.list_ids[0]]
    campaign = res.created("/emails", res.campaign_body(), expected=200)
    detail = res.api.get(f"/emails/{campaign['campaign_id']}").json()
    primary = next(
        a for a in detail["campaign_activities"] if a["role"] == "primary_email"
    )
    return ValidRequest(
        {"campaign_activity_id": primary["campaign_activity_id"]}, activity
    )


def schedule(res: Resources) -> ValidRequest:
    request = update_activity(res)
    updated = res.api.put(
        f"/emails/activities/{request.path_params['campaign_activity_id']}",
        json=request.body,
    )
    assert updated.status_code == 200, updated.text
    later = datetime.now(UTC) + timedelta(days=3650)
    path = f"/emails/activities/{request.path_params['campaign_activity_id']}/schedules"
    return ValidRequest(
        request.path_params,
        {"scheduled_date": later.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
        undo=lambda: res.api.delete(path),
    )


def send_test_email(res: Resources) -> ValidRequest:
    body = {"email_addresses": [unique_email()], "personal_message": "Have a look"}
    return ValidRequest({"campaign_activity_id": res.campaign_activity_id}, body)


# (method, template) -> a factory of one valid request for it.
VALID_REQUESTS: dict[tuple[str, str], Callable[[Resources], ValidRequest]] = {
    ("POST", "/contacts"): lambda res: ValidRequest(body=res.contact_body()),
    ("PUT", "/contacts/{contact_id}"): put_contact,
    ("POST", "/contacts/sign_up_form"): sign_up_form,
    ("POST", "/contact_lists"): lambda res: ValidRequest(
        body={"name": unique("spec list"), "favorite": True, "description": "made"}
    ),
    ("PUT", "/contact_lists/{list_id}"): lambda res: ValidRequest(
        {
            "list_id": res.created("/contact_lists", {"name": unique("spec put")})[
                "list_id"
            ]
        },
        {"name": unique("spec renamed"), "favorite": False, "description": "renamed"},
    ),
    ("POST", "/contact_custom_fields"): lambda res: ValidRequest(
        body={"label": unique("Field"), "type": "string"}
    ),
    ("PUT", "/contact_custom_fields/{custom_field_id}"): lambda res: ValidRequest(
        {"custom_field_id": res.custom_field_id}, {"label": unique("Renamed")}
    ),
    ("POST", "/activities/contacts_json_import"): json_import,
    ("POST", "/activities/add_list_memberships"): list_memberships,
    ("POST", "/activities/remove_list_memberships"): list_memberships,
    ("POST", "/activities/contact_delete"): lambda res: ValidRequest(
        body={
            "contact_ids": [res.created("/contacts", res.contact_body())["contact_id"]]
        }
    ),
    ("POST", "/activities/list_delete"): lambda res: ValidRequest(
        body={
            "list_ids": [
                res.created("/contact_lists", {"name": unique("gone")})["list_id"]
            ]
        }
    ),
    ("POST", "/emails"): lambda res: ValidRequest(body=res.campaign_body()),
    ("PATCH", "/emails/{campaign_id}"): lambda res: ValidRequest(
        {"campaign_id": res.campaign_id}, {"name": unique("Spec renamed")}
    ),
    ("PUT", "/emails/activities/{campaign_activity_id}"): update_activity,
    ("POST", "/emails/activities/{campaign_activity_id}/schedules"): schedule,
    ("POST", "/emails/activities/{campaign_activity_id}/tests"): send_test_email,
}
