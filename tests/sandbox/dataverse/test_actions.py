"""Associations and the marketing-list and campaign actions (notes 2.9, 5.2, 5.3)."""

from __future__ import annotations

import uuid


def created(session, path: str, body: dict) -> str:
    response = session.post(path, json=body)
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def static_contact_list(admin) -> str:
    body = {
        "listname": f"List {uuid.uuid4().hex[:8]}",
        "type": False,
        "createdfromcode": 2,
    }
    return created(admin, "lists", body)


def member_ids(admin, list_id: str) -> set[str]:
    rows = admin.get(f"lists({list_id})/listcontact_association?$select=contactid")
    assert rows.status_code == 200, rows.text
    return {row["contactid"] for row in rows.json()["value"]}


def test_associate_a_contact_to_a_list_and_read_it_back(sandbox):
    admin = sandbox.admin_session()
    list_id = static_contact_list(admin)
    contact_id = created(admin, "contacts", {"lastname": "Member"})
    contact_url = f"{sandbox.web_api_url()}contacts({contact_id})"

    linked = admin.post(
        f"lists({list_id})/listcontact_association/$ref",
        json={"@odata.id": contact_url},
    )
    again = admin.post(
        f"lists({list_id})/listcontact_association/$ref",
        json={"@odata.id": contact_url},
    )
    members = member_ids(admin, list_id)
    removed = admin.delete(
        f"lists({list_id})/listcontact_association({contact_id})/$ref"
    )

    assert linked.status_code == 204
    assert again.status_code == 412
    assert again.json()["error"]["code"] == "0x80040237"
    assert members == {contact_id}
    assert removed.status_code == 204
    assert member_ids(admin, list_id) == set()


def test_add_list_members_list_adds_members_and_keeps_membercount(sandbox):
    admin = sandbox.admin_session()
    list_id = static_contact_list(admin)
    contacts = [created(admin, "contacts", {"lastname": f"M{n}"}) for n in range(3)]
    body = {
        "List": {"@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list_id},
        "MemberIds": contacts,
    }

    response = admin.post("AddListMembersList", json=body)
    repeated = admin.post("AddListMembersList", json=body)
    row = admin.get(f"lists({list_id})?$select=membercount").json()

    assert response.status_code == 204
    assert repeated.status_code == 204
    assert member_ids(admin, list_id) == set(contacts)
    assert row["membercount"] == 3


def test_add_member_list_and_remove_member_list_are_bound_to_the_list(sandbox):
    admin = sandbox.admin_session()
    list_id = static_contact_list(admin)
    contact_id = created(admin, "contacts", {"lastname": "Single"})
    action = f"lists({list_id})/Microsoft.Dynamics.CRM."

    added = admin.post(action + "AddMemberList", json={"EntityId": contact_id})
    count_after_add = admin.get(f"lists({list_id})?$select=membercount").json()
    removed = admin.post(action + "RemoveMemberList", json={"EntityId": contact_id})
    count_after_remove = admin.get(f"lists({list_id})?$select=membercount").json()

    assert added.status_code == 200
    assert uuid.UUID(added.json()["Id"])
    assert count_after_add["membercount"] == 1
    assert removed.status_code == 204
    assert count_after_remove["membercount"] == 0


def test_adding_a_missing_member_is_refused_and_adds_nothing(sandbox):
    admin = sandbox.admin_session()
    list_id = static_contact_list(admin)
    real = created(admin, "contacts", {"lastname": "Real"})
    body = {
        "List": {"@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list_id},
        "MemberIds": [real, str(uuid.uuid4())],
    }

    response = admin.post("AddListMembersList", json=body)

    assert response.status_code == 404
    assert member_ids(admin, list_id) == set()


def test_add_item_campaign_attaches_a_list_read_through_campaignlist_association(
    sandbox,
):
    admin = sandbox.admin_session()
    campaign_id = created(admin, "campaigns", {"name": "Spring"})
    list_id = static_contact_list(admin)

    response = admin.post(
        f"campaigns({campaign_id})/Microsoft.Dynamics.CRM.AddItemCampaign",
        json={"EntityId": list_id, "EntityName": "list"},
    )
    lists = admin.get(
        f"campaigns({campaign_id})/campaignlist_association?$select=listname"
    ).json()["value"]

    assert response.status_code == 200
    assert uuid.UUID(response.json()["CampaignItemId"])
    assert [row["listid"] for row in lists] == [list_id]


def test_an_unknown_action_answers_resource_not_found(sandbox):
    response = sandbox.admin_session().post("NoSuchAction", json={})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "0x8006088a"
