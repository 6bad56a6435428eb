"""Contacts: create, read, update, delete, the sign-up form, search and paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.constantcontact.contact_helpers import (
    new_contact,
    new_list,
    unique_email,
)
from tests.sandbox.constantcontact.spec_client import ContractClient


def test_create_then_read_with_and_without_sub_resources(
    cc_api: ContractClient,
) -> None:
    list_id = new_list(cc_api)
    created = new_contact(
        cc_api,
        first_name="Ada",
        phone_numbers=[{"phone_number": "555-0100", "kind": "work"}],
        list_memberships=[list_id],
    )
    contact_id = created["contact_id"]

    plain = cc_api.get(f"/contacts/{contact_id}").json()
    full = cc_api.get(
        f"/contacts/{contact_id}", params={"include": "list_memberships,phone_numbers"}
    ).json()

    assert created["email_address"]["permission_to_send"] == "implicit"
    assert created["email_address"]["opt_in_source"] == "Account"
    assert "list_memberships" not in plain
    assert "phone_numbers" not in plain
    assert full["list_memberships"] == [list_id]
    assert full["phone_numbers"] == [{"phone_number": "555-0100", "kind": "work"}]


def test_an_existing_email_any_case_is_a_409_naming_the_contact(
    cc_api: ContractClient,
) -> None:
    first = new_contact(cc_api)
    address = first["email_address"]["address"].upper()

    answer = cc_api.post(
        "/contacts",
        json={"email_address": {"address": address}, "create_source": "Account"},
    )

    assert answer.status_code == 409
    error = answer.json()[0]
    assert error["error_key"] == "contacts.api.conflict"
    assert (
        error["error_message"]
        == f"Email already exists for contact {first['contact_id']}"
    )


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"first_name": "x" * 51, "create_source": "Account"}, "first_name"),
        ({"first_name": "Al"}, "create_source"),
        ({"create_source": "Account"}, "email_address"),
        ({"first_name": "Al", "create_source": "Robot"}, "create_source"),
        (
            {"first_name": "Al", "create_source": "Account", "birthday_month": 5},
            "birthday",
        ),
        (
            {"email_address": {"address": "not-an-email"}, "create_source": "Account"},
            "address",
        ),
    ],
)
def test_field_rules_are_refused_with_the_validation_key(
    cc_api: ContractClient, body: dict[str, Any], named: str
) -> None:
    answer = cc_api.post("/contacts", json=body)

    assert answer.status_code == 400
    error = answer.json()[0]
    assert error["error_key"] == "contacts.api.validation.error"
    assert named in error["error_message"]


def test_a_body_without_json_content_type_is_415(cc_api: ContractClient) -> None:
    answer = cc_api.post(
        "/contacts", data="first_name=Al", headers={"Content-Type": "text/plain"}
    )

    assert answer.status_code == 415


def test_put_replaces_top_level_fields_and_keeps_omitted_sub_resources(
    cc_api: ContractClient,
) -> None:
    created = new_contact(
        cc_api,
        first_name="Grace",
        job_title="Admiral",
        phone_numbers=[{"phone_number": "555-0101", "kind": "home"}],
    )
    contact_id = created["contact_id"]

    answer = cc_api.put(
        f"/contacts/{contact_id}",
        json={
            "email_address": created["email_address"],
            "first_name": "G.",
            "update_source": "Account",
        },
    )

    assert answer.status_code == 200, answer.text
    stored = cc_api.get(
        f"/contacts/{contact_id}", params={"include": "phone_numbers"}
    ).json()
    assert stored["first_name"] == "G."
    assert "job_title" not in stored
    assert stored["phone_numbers"] == [{"phone_number": "555-0101", "kind": "home"}]


def test_a_contact_who_opted_out_cannot_be_resubscribed_by_the_account(
    cc_api: ContractClient,
) -> None:
    created = new_contact(cc_api)
    contact_id = created["contact_id"]
    email = {"address": created["email_address"]["address"]}
    unsubscribed = cc_api.put(
        f"/contacts/{contact_id}",
        json={
            "email_address": {**email, "permission_to_send": "unsubscribed"},
            "update_source": "Contact",
        },
    )
    assert unsubscribed.json()["email_address"]["opt_out_source"] == "Contact"

    by_account = cc_api.put(
        f"/contacts/{contact_id}",
        json={
            "email_address": {**email, "permission_to_send": "explicit"},
            "update_source": "Account",
        },
    )
    by_contact = cc_api.put(
        f"/contacts/{contact_id}",
        json={
            "email_address": {**email, "permission_to_send": "explicit"},
            "update_source": "Contact",
        },
    )

    assert by_account.status_code == 400
    assert by_contact.status_code == 200
    assert by_contact.json()["email_address"]["permission_to_send"] == "explicit"


def test_sign_up_form_creates_then_updates_partly_and_appends_lists(
    cc_api: ContractClient,
) -> None:
    first_list, second_list = new_list(cc_api), new_list(cc_api)
    address = unique_email("signup")

    created = cc_api.post(
        "/contacts/sign_up_form",
        json={
            "email_address": address,
            "first_name": "Lin",
            "list_memberships": [first_list],
        },
    )
    updated = cc_api.post(
        "/contacts/sign_up_form",
        json={
            "email_address": address.upper(),
            "last_name": "Wu",
            "list_memberships": [second_list],
        },
    )

    assert created.status_code == 201
    assert created.json()["action"] == "created"
    assert updated.status_code == 200
    assert updated.json()["action"] == "updated"
    contact_id = created.json()["contact_id"]
    stored = cc_api.get(
        f"/contacts/{contact_id}", params={"include": "list_memberships"}
    ).json()
    assert (stored["first_name"], stored["last_name"]) == ("Lin", "Wu")
    assert sorted(stored["list_memberships"]) == sorted([first_list, second_list])
    assert stored["email_address"]["permission_to_send"] == "explicit"


def test_sign_up_form_needs_a_list(cc_api: ContractClient) -> None:
    answer = cc_api.post(
        "/contacts/sign_up_form",
        json={"email_address": unique_email(), "list_memberships": []},
    )

    assert answer.status_code == 400


def test_delete_hides_the_contact_until_a_put_revives_it(
    cc_api: ContractClient,
) -> None:
    created = new_contact(cc_api)
    contact_id = created["contact_id"]
    address = created["email_address"]["address"]

    assert cc_api.delete(f"/contacts/{contact_id}").status_code == 204

    default = cc_api.get("/contacts", params={"email": address}).json()["contacts"]
    deleted = cc_api.get(
        "/contacts", params={"email": address, "status": "deleted"}
    ).json()
    assert default == []
    assert [c["contact_id"] for c in deleted["contacts"]] == [contact_id]
    assert "deleted_at" in deleted["contacts"][0]

    revived = cc_api.put(
        f"/contacts/{contact_id}",
        json={"email_address": {"address": address}, "update_source": "Account"},
    )
    assert revived.status_code == 200
    assert "deleted_at" not in revived.json()


def test_unknown_contact_is_404(cc_api: ContractClient) -> None:
    answer = cc_api.get("/contacts/9d5c1a3e-0000-4000-8000-000000000000")

    assert answer.status_code == 404
    assert answer.json()[0]["error_key"] == "contacts.api.not_found"


def test_search_by_list_pages_through_every_member_once(cc_api: ContractClient) -> None:
    list_id = new_list(cc_api)
    made = {
        new_contact(cc_api, list_memberships=[list_id])["contact_id"] for _ in range(7)
    }

    first = cc_api.get(
        "/contacts", params={"lists": list_id, "limit": 3, "include_count": "true"}
    )
    seen = [
        c["contact_id"]
        for c in cc_api.pages(first.json()["_links"]["next"]["href"], "contacts")
    ]
    seen = [c["contact_id"] for c in first.json()["contacts"]] + seen

    assert first.json()["contacts_count"] == 7
    assert first.json()["_links"]["next"]["href"].startswith(
        "/constantcontact/v3/contacts?cursor="
    )
    assert sorted(seen) == sorted(made)


def test_updated_after_and_limit_bounds(cc_api: ContractClient) -> None:
    created = new_contact(cc_api)

    later = cc_api.get("/contacts", params={"updated_after": "2999-01-01T00:00:00Z"})
    earlier = cc_api.get(
        "/contacts", params={"updated_after": created["updated_at"], "limit": 500}
    )

    assert later.json()["contacts"] == []
    assert created["contact_id"] in [
        c["contact_id"] for c in earlier.json()["contacts"]
    ]
    assert cc_api.get("/contacts", params={"limit": 0}).status_code == 400
    assert cc_api.get("/contacts", params={"limit": 501}).status_code == 400
