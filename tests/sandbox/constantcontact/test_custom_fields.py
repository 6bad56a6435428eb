"""Contact custom fields: system names, unique labels, the 100 limit, values."""

from __future__ import annotations

import uuid

from tests.sandbox.constantcontact.contact_helpers import new_contact
from tests.sandbox.constantcontact.spec_client import ContractClient


def test_create_makes_a_system_name_from_the_label(cc_api: ContractClient) -> None:
    label = f"Favourite Bean {uuid.uuid4().hex[:6]}"

    created = cc_api.post(
        "/contact_custom_fields", json={"label": label, "type": "string"}
    )

    assert created.status_code == 201
    field = created.json()
    assert field["name"] == label.lower().replace(" ", "_")
    assert (
        cc_api.get(f"/contact_custom_fields/{field['custom_field_id']}").json() == field
    )


def test_labels_are_unique(cc_api: ContractClient) -> None:
    label = f"Tier {uuid.uuid4().hex[:6]}"
    cc_api.post("/contact_custom_fields", json={"label": label, "type": "string"})

    again = cc_api.post(
        "/contact_custom_fields", json={"label": label.lower(), "type": "string"}
    )

    assert again.status_code == 409


def test_put_relabels_and_delete_removes(cc_api: ContractClient) -> None:
    field = cc_api.post(
        "/contact_custom_fields",
        json={"label": f"Old {uuid.uuid4().hex[:6]}", "type": "string"},
    ).json()
    path = f"/contact_custom_fields/{field['custom_field_id']}"

    relabelled = cc_api.put(path, json={"label": f"New {uuid.uuid4().hex[:6]}"})

    assert relabelled.status_code == 200
    assert relabelled.json()["name"] == field["name"]
    assert cc_api.delete(path).status_code == 204
    assert cc_api.get(path).status_code == 404


def test_contact_values_need_an_existing_field(cc_api: ContractClient) -> None:
    field = cc_api.post(
        "/contact_custom_fields",
        json={"label": f"Size {uuid.uuid4().hex[:6]}", "type": "string"},
    ).json()
    contact = new_contact(
        cc_api,
        custom_fields=[{"custom_field_id": field["custom_field_id"], "value": "L"}],
    )

    unknown = cc_api.post(
        "/contacts",
        json={
            "first_name": "No",
            "create_source": "Account",
            "custom_fields": [{"custom_field_id": str(uuid.uuid4()), "value": "x"}],
        },
    )
    stored = cc_api.get(
        f"/contacts/{contact['contact_id']}", params={"include": "custom_fields"}
    ).json()

    assert unknown.status_code == 400
    assert stored["custom_fields"] == [
        {"custom_field_id": field["custom_field_id"], "value": "L"}
    ]


def test_at_most_100_fields_and_paging(cc_api: ContractClient) -> None:
    existing = list(cc_api.pages("/contact_custom_fields", "custom_fields"))
    made = [
        cc_api.post(
            "/contact_custom_fields",
            json={"label": f"Filler {uuid.uuid4().hex}", "type": "string"},
        ).json()["custom_field_id"]
        for _ in range(100 - len(existing))
    ]

    over = cc_api.post(
        "/contact_custom_fields", json={"label": "One more", "type": "string"}
    )
    paged = list(
        cc_api.pages("/contact_custom_fields", "custom_fields", params={"limit": 30})
    )

    assert over.status_code == 400
    assert len(paged) == 100
    for field_id in made:
        cc_api.delete(f"/contact_custom_fields/{field_id}")
