"""Required columns: the Web API enforces SystemRequired, never ApplicationRequired.

Microsoft's docs team states it (MicrosoftDocs/powerapps-docs#1580, #1581): a
column set to ApplicationRequired ("business required") makes forms insist, but
the API does not refuse a create without it; only SystemRequired columns must
hold a value. Columns the platform fills itself (owner, state, two-option
defaults) never make a create fail.
"""

from __future__ import annotations


def test_a_list_without_its_member_type_is_refused(sandbox) -> None:
    answer = sandbox.admin_session().post("lists", json={"listname": "No type"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "0x80040203"
    assert "createdfromcode" in answer.json()["error"]["message"]


def test_a_list_without_its_name_is_refused(sandbox) -> None:
    answer = sandbox.admin_session().post("lists", json={"createdfromcode": 2})

    assert answer.status_code == 400
    assert "listname" in answer.json()["error"]["message"]


def test_a_list_with_its_system_required_columns_is_created(sandbox) -> None:
    # `type` is SystemRequired too, but a two-option column defaults to false.
    answer = sandbox.admin_session().post(
        "lists", json={"listname": "Static", "createdfromcode": 2}
    )

    assert answer.status_code == 204, answer.text


def test_application_required_columns_are_not_enforced(sandbox) -> None:
    session = sandbox.admin_session()
    account = session.post("accounts", json={"telephone1": "555-0100"})
    job = session.post("pocc_jobs", json={})

    assert account.status_code == 204, account.text
    assert job.status_code == 204, job.text
