"""DataverseClient against the sandbox: records, keys, ETags, filters, batches."""

from __future__ import annotations

import uuid

import pytest

from pocc import errors
from pocc.dataverse import ChangeSet, Operation, Query, column


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_who_am_i_names_the_application_user(app_client):
    me = app_client.who_am_i()

    assert uuid.UUID(me.user_id)
    assert uuid.UUID(me.business_unit_id)


def test_create_returns_the_id_and_retrieve_reads_it_back(app_client):
    name = unique("Spring sale")
    campaign_id = app_client.create("pocc_campaigns", {"pocc_name": name})
    row = app_client.retrieve("pocc_campaigns", campaign_id, select=["pocc_name"])

    assert row["pocc_name"] == name
    assert row["pocc_campaignid"] == campaign_id
    assert row["@odata.etag"].startswith('W/"')


def test_a_missing_row_is_not_found(app_client):
    with pytest.raises(errors.DataverseNotFoundError, match="reading a row"):
        app_client.retrieve("pocc_campaigns", uuid.uuid4())


def test_update_without_etag_never_creates_a_missing_row(app_client):
    with pytest.raises(errors.NotFoundError):
        app_client.update("pocc_campaigns", uuid.uuid4(), {"pocc_name": "ghost"})


def test_an_update_with_a_stale_etag_raises_a_clear_conflict(app_client):
    campaign_id = app_client.create("pocc_campaigns", {"pocc_name": unique("etag")})
    stale = app_client.retrieve("pocc_campaigns", campaign_id)["@odata.etag"]
    app_client.update(
        "pocc_campaigns", campaign_id, {"pocc_subject": "one"}, etag=stale
    )

    with pytest.raises(errors.DataverseConflictError) as raised:
        app_client.update(
            "pocc_campaigns", campaign_id, {"pocc_subject": "two"}, etag=stale
        )

    assert raised.value.status == 412
    assert "read it again" in str(raised.value)
    row = app_client.retrieve("pocc_campaigns", campaign_id, select=["pocc_subject"])
    assert row["pocc_subject"] == "one"


def test_upsert_by_alternate_key_creates_then_updates_the_same_row(app_client):
    key = {"pocc_ccid": str(uuid.uuid4())}
    created = app_client.upsert("pocc_campaigns", key, {"pocc_name": "first"})
    updated = app_client.upsert("pocc_campaigns", key, {"pocc_name": "second"})
    row = app_client.retrieve("pocc_campaigns", key, select=["pocc_name"])

    assert created == updated
    assert row["pocc_campaignid"] == created
    assert row["pocc_name"] == "second"


def test_upsert_modes_forbid_create_or_update(app_client):
    key = {"pocc_ccid": str(uuid.uuid4())}

    with pytest.raises(errors.NotFoundError):
        app_client.upsert("pocc_campaigns", key, {"pocc_name": "x"}, mode="update only")

    app_client.upsert("pocc_campaigns", key, {"pocc_name": "x"}, mode="create only")

    with pytest.raises(errors.DuplicateKeyError):
        app_client.upsert("pocc_campaigns", key, {"pocc_name": "y"}, mode="create only")


def test_an_alternate_key_with_a_quote_and_slash_is_addressed_exactly(app_client):
    key = {"pocc_ccid": "it's/a?key#1"}
    campaign_id = app_client.upsert("pocc_campaigns", key, {"pocc_name": "odd key"})

    assert app_client.retrieve("pocc_campaigns", key)["pocc_campaignid"] == campaign_id


def test_a_filter_on_a_quoted_name_and_a_plus_addressed_email(admin_client, app_client):
    marker = unique("Quote")
    email = f"ann+{marker.lower()}@example.com"
    wanted = admin_client.create(
        "contacts",
        {"firstname": marker, "lastname": "O'Brien", "emailaddress1": email},
    )
    admin_client.create(
        "contacts",
        {
            "firstname": marker,
            "lastname": "OBrien",
            "emailaddress1": email.replace("+", ""),
        },
    )
    where = column("firstname").eq(marker) & column("lastname").eq("O'Brien")
    by_name = list(
        app_client.query("contacts", Query(select=["lastname"], filter=where))
    )
    by_email = list(
        app_client.query("contacts", Query(filter=column("emailaddress1").eq(email)))
    )
    hostile = column("firstname").eq(marker) & column("lastname").eq(
        "x' or lastname ne 'x"
    )

    assert [row["contactid"] for row in by_name] == [wanted]
    assert [row["contactid"] for row in by_email] == [wanted]
    assert list(app_client.query("contacts", Query(filter=hostile))) == []


def test_in_with_an_apostrophe_matches_through_aliases(admin_client, app_client):
    marker = unique("In")
    for lastname in ("O'Brian", "OBrian", "Other"):
        admin_client.create("contacts", {"firstname": marker, "lastname": lastname})

    where = column("firstname").eq(marker) & column("lastname").in_(
        ["O'Brian", "OBrian"]
    )
    rows = app_client.query("contacts", Query(select=["lastname"], filter=where))

    assert sorted(row["lastname"] for row in rows) == ["O'Brian", "OBrian"]


def test_a_batch_with_one_bad_row_reports_each_outcome(app_client):
    marker = unique("batch")
    operations = [
        Operation.create("pocc_campaigns", {"pocc_name": f"{marker}-{number}"})
        for number in range(5)
    ]
    operations[2] = Operation.create("pocc_campaigns", {"pocc_nosuchcolumn": 1})
    outcomes = app_client.write_batch(operations)
    stored = app_client.query(
        "pocc_campaigns", Query(filter=column("pocc_name").startswith(marker))
    )

    assert [outcome.ok for outcome in outcomes] == [True, True, False, True, True]
    assert isinstance(outcomes[2].error, errors.DataverseInvalidRequestError)
    assert {row["pocc_campaignid"] for row in stored} == {
        outcome.entity_id for outcome in outcomes if outcome.ok
    }


def test_a_change_set_with_a_bad_row_leaves_nothing_behind(app_client):
    marker = unique("changeset")
    operations = [
        Operation.create("pocc_campaigns", {"pocc_name": f"{marker}-{number}"})
        for number in range(3)
    ]
    operations.append(Operation.create("pocc_campaigns", {"pocc_nosuchcolumn": 1}))
    good = Operation.create("pocc_campaigns", {"pocc_name": f"{marker}-outside"})
    outcomes = app_client.write_batch([ChangeSet(operations), good])
    stored = app_client.query(
        "pocc_campaigns", Query(filter=column("pocc_name").startswith(marker))
    )

    assert [outcome.ok for outcome in outcomes] == [False] * 4 + [True]
    assert [row["pocc_name"] for row in stored] == [f"{marker}-outside"]


def test_delete_then_missing_ok(admin_client):
    row_id = admin_client.create("contacts", {"lastname": unique("gone")})

    assert admin_client.delete("contacts", row_id) is True
    assert admin_client.delete("contacts", row_id, missing_ok=True) is False

    with pytest.raises(errors.NotFoundError):
        admin_client.delete("contacts", row_id)


def test_associate_and_disassociate_list_members(admin_client):
    list_id = admin_client.create(
        "lists", {"listname": unique("list"), "type": False, "createdfromcode": 2}
    )
    contact_id = admin_client.create("contacts", {"lastname": unique("member")})

    admin_client.associate(
        "lists", list_id, "listcontact_association", "contacts", contact_id
    )
    admin_client.associate(
        "lists", list_id, "listcontact_association", "contacts", contact_id
    )
    members = list(admin_client.related("lists", list_id, "listcontact_association"))
    admin_client.disassociate("lists", list_id, "listcontact_association", contact_id)
    after = list(admin_client.related("lists", list_id, "listcontact_association"))

    assert [member["contactid"] for member in members] == [contact_id]
    assert after == []


def test_fetchxml_pages_with_the_paging_cookie(admin_client, app_client):
    marker = unique("Fetch")
    created = {
        admin_client.create("contacts", {"firstname": marker, "lastname": f"L{n}"})
        for n in range(7)
    }
    fetch = (
        '<fetch><entity name="contact"><attribute name="contactid"/>'
        f'<filter><condition attribute="firstname" operator="eq" value="{marker}"/>'
        '</filter><order attribute="lastname"/></entity></fetch>'
    )
    rows = list(app_client.fetch("contacts", fetch, page_size=3))

    assert [row["contactid"] for row in rows if row["contactid"] in created] == [
        row["contactid"] for row in rows
    ]
    assert {row["contactid"] for row in rows} == created
    assert len(rows) == 7
