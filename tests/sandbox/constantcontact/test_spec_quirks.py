"""Where the spec and the reference notes disagree, which way the sandbox goes.

Issue 3: "Where the two disagree, follow the notes' reasoning and write the choice
down in a test." One test per disagreement (reference notes, section 8, unless said
otherwise). Where the spec contradicts itself, the sandbox takes the stricter reading,
so that code which works against the sandbox works against the real service too.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.constantcontact.request_baselines import Resources, unique
from tests.sandbox.constantcontact.spec import Contract
from tests.sandbox.constantcontact.spec_client import ContractClient, TokenSource

pytestmark = pytest.mark.reference


def email_of_length(length: int) -> str:
    domain = "@example.com"
    return "q" * (length - len(domain)) + domain


def test_email_is_80_long_on_contacts_but_50_on_sign_up_form_and_import(
    cc_api: ContractClient, contract: Contract
) -> None:
    # Item 1: the spec's own numbers differ per endpoint; each endpoint keeps its own.
    posted = contract.definition("ContactPostRequest")["properties"]["email_address"]
    signed_up = contract.definition("ContactCreateOrUpdateInput")["properties"]
    assert contract.resolve(posted)["properties"]["address"]["maxLength"] == 80
    assert signed_up["email_address"]["maxLength"] == 50
    resources = Resources(cc_api)
    address = email_of_length(60)
    contact = resources.contact_body()
    contact["email_address"] = {"address": address, "permission_to_send": "implicit"}

    assert cc_api.post("/contacts", json=contact).status_code == 201

    sign_up = {
        "email_address": email_of_length(60),
        "list_memberships": [resources.list_ids[0]],
    }
    assert cc_api.post("/contacts/sign_up_form", json=sign_up).status_code == 400

    batch = {
        "import_data": [{"email": email_of_length(60)}],
        "list_ids": [resources.list_ids[0]],
    }
    assert (
        cc_api.post("/activities/contacts_json_import", json=batch).status_code == 400
    )


def test_birthday_day_takes_1_to_31_as_the_request_models_say(
    cc_api: ContractClient,
) -> None:
    # Item 2: the response model's text says 1-12 (a copy error); requests say 1-31.
    resources = Resources(cc_api)
    contact = resources.contact_body()
    contact.update(birthday_month=1, birthday_day=31)

    created = cc_api.post("/contacts", json=contact)
    assert created.status_code == 201, created.text

    contact_id = created.json()["contact_id"]
    assert cc_api.get(f"/contacts/{contact_id}").json()["birthday_day"] == 31

    contact = resources.contact_body()
    contact.update(birthday_month=1, birthday_day=32)
    assert cc_api.post("/contacts", json=contact).status_code == 400


def test_contact_lists_limit_stops_at_500_though_the_schema_says_1000(
    cc_api: ContractClient, contract: Contract
) -> None:
    # Item 3: the text says 1-500, the schema 1000; the sandbox takes the stricter.
    assert (
        contract.operation("GET", "/contact_lists").parameter("limit")["maximum"]
        == 1000
    )

    assert cc_api.get("/contact_lists", params={"limit": 500}).status_code == 200
    assert cc_api.get("/contact_lists", params={"limit": 501}).status_code == 400


def test_remove_list_memberships_ignores_max_items_zero_and_keeps_50_lists(
    cc_api: ContractClient, contract: Contract
) -> None:
    # Item 4: maxItems 0 is a spec bug; the descriptions' 50 lists is the limit.
    raw = contract.definition("ListActivityRemoveContacts")
    assert raw["properties"]["source"]["properties"]["list_ids"]["maxItems"] == 0
    first, second = Resources(cc_api).list_ids

    two = {"source": {"list_ids": [first, second]}, "list_ids": [second]}
    assert (
        cc_api.post("/activities/remove_list_memberships", json=two).status_code == 201
    )

    many = {"source": {"list_ids": [first] * 51}, "list_ids": [second]}
    assert (
        cc_api.post("/activities/remove_list_memberships", json=many).status_code == 400
    )


def test_expires_in_is_a_lifetime_in_seconds_not_an_epoch(
    cc_tokens: TokenSource,
) -> None:
    # Item 6: the PyPI client calls it an epoch timestamp; CC support says 86400 s.
    assert 0 < cc_tokens.tokens["expires_in"] <= 86_400


def test_post_emails_answers_200_and_deleting_a_list_202(
    cc_api: ContractClient,
) -> None:
    # Item 10: not the 201 one might expect; the harness holds the sandbox to these.
    resources = Resources(cc_api)

    created = cc_api.post("/emails", json=resources.campaign_body())
    assert created.status_code == 200

    doomed = resources.created("/contact_lists", {"name": unique("doomed")})
    deleted = cc_api.delete(f"/contact_lists/{doomed['list_id']}")
    assert deleted.status_code == 202
    assert "activity_id" in deleted.json()


def test_a_done_activity_may_be_updated_as_the_spec_says(
    cc_api: ContractClient,
) -> None:
    # Item 7: the spec allows PUT on DRAFT or DONE activities; a guide page says DONE
    # only for format 3 (unverified). The sandbox follows the spec: resending a DONE
    # activity to new contacts (issue 3) needs its lists updated first.
    done = find_done_primary_activity(cc_api)
    activity = cc_api.get(f"/emails/activities/{done}").json()
    update = {
        key: activity[key]
        for key in ("from_name", "from_email", "reply_to_email", "subject")
    }
    update["contact_list_ids"] = list(activity.get("contact_list_ids") or [])

    assert cc_api.put(f"/emails/activities/{done}", json=update).status_code == 200


def find_done_primary_activity(api: ContractClient) -> str:
    for campaign in api.pages("/emails", "campaigns", params={"limit": 50}):
        if campaign["current_status"] != "Done":
            continue

        detail: dict[str, Any] = api.get(f"/emails/{campaign['campaign_id']}").json()

        for activity in detail["campaign_activities"]:
            if activity["role"] == "primary_email":
                return activity["campaign_activity_id"]

    pytest.fail("the seeded account holds no sent (Done) campaign")
