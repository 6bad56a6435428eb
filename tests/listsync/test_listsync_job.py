"""Sync marketing list end to end against the sandbox: create, add, remove, rename."""

from __future__ import annotations

from collections.abc import Callable

from pocc.constantcontact import ConstantContactClient
from pocc.jobs.job_row import JobStatus
from pocc.listsync.membership import list_members
from tests.jobs.conftest import job
from tests.listsync.crm_seed import Crm, tag

SyncList = Callable[..., tuple[str, JobStatus | None]]

DYNAMIC_LEADS = (
    '<fetch><entity name="lead"><attribute name="fullname"/>'
    '<filter><condition attribute="jobtitle" operator="eq" value="{title}"/>'
    "</filter></entity></fetch>"
)


def cc_list_by_id(client: ConstantContactClient, list_id: str) -> dict:
    return client.contact_list(list_id)


def test_first_sync_creates_the_list_named_after_it_and_stores_its_id(
    crm: Crm, sync_list: SyncList, cc_client: ConstantContactClient, admin
) -> None:
    name = f"Espresso lovers {tag()}"
    ann = crm.record(
        "contact", firstname="Ann", emailaddress1=f"Ann.{name[-8:]}@Ex.com"
    )
    bo = crm.record("contact", firstname="Bo", emailaddress1=f"bo.{name[-8:]}@ex.com")
    refuses = crm.record(
        "contact",
        firstname="Cy",
        emailaddress1=f"cy.{name[-8:]}@ex.com",
        donotbulkemail=True,
    )
    list_id = crm.static_list("contact", [ann, bo, refuses], name=name)

    job_id, status = sync_list(list_id)

    row = job(admin, job_id)
    assert status is JobStatus.SUCCEEDED, row.get("pocc_error")
    cc_list_id = crm.cc_list_id(list_id)
    assert cc_list_by_id(cc_client, cc_list_id)["name"] == name
    assert set(list_members(cc_client, cc_list_id)) == {
        f"ann.{name[-8:]}@ex.com",
        f"bo.{name[-8:]}@ex.com",
    }
    assert row["pocc_sent"] == 2
    assert row["pocc_skippedemailingnotallowed"] == 1
    assert row["pocc_processed"] == row["pocc_total"] == 3


def test_sync_after_members_were_added_and_removed_mirrors_the_list(
    crm: Crm, sync_list: SyncList, cc_client: ConstantContactClient, admin
) -> None:
    marker = tag()
    ids = {
        who: crm.record("lead", lastname=who, emailaddress1=f"{who}.{marker}@ex.com")
        for who in ("dee", "eve", "fay")
    }
    list_id = crm.static_list("lead", [ids["dee"], ids["eve"]])
    _, first = sync_list(list_id)
    assert first is JobStatus.SUCCEEDED
    cc_list_id = crm.cc_list_id(list_id)
    eve_contact = list_members(cc_client, cc_list_id)[f"eve.{marker}@ex.com"]

    crm.add_member(list_id, ids["fay"])
    crm.remove_member(list_id, ids["eve"])
    job_id, second = sync_list(list_id)

    row = job(admin, job_id)
    assert second is JobStatus.SUCCEEDED, row.get("pocc_error")
    assert crm.cc_list_id(list_id) == cc_list_id
    assert set(list_members(cc_client, cc_list_id)) == {
        f"dee.{marker}@ex.com",
        f"fay.{marker}@ex.com",
    }
    # Fay was added, Dee was already there; Eve left the list but not Constant
    # Contact, and her permission to send is untouched.
    assert row["pocc_sent"] == 1
    assert row["pocc_processed"] == 2
    assert "Removed 1 contacts" in row["pocc_log"]
    eve = cc_client.contact(eve_contact)
    assert eve["email_address"]["permission_to_send"] != "unsubscribed"


def test_a_list_renamed_in_dynamics_is_renamed_in_constant_contact(
    crm: Crm, sync_list: SyncList, cc_client: ConstantContactClient, admin
) -> None:
    member = crm.record("account", name="Fabrikam", emailaddress1=f"hi.{tag()}@fab.ex")
    list_id = crm.static_list("account", [member])
    sync_list(list_id)
    cc_list_id = crm.cc_list_id(list_id)
    new_name = f"Wholesale buyers {tag()}"

    admin.update("lists", list_id, {"listname": new_name})
    job_id, status = sync_list(list_id)

    assert status is JobStatus.SUCCEEDED, job(admin, job_id).get("pocc_error")
    assert crm.cc_list_id(list_id) == cc_list_id
    assert cc_list_by_id(cc_client, cc_list_id)["name"] == new_name
    assert cc_client.find_contact_list(new_name)["list_id"] == cc_list_id
    assert "Renamed the Constant Contact list" in job(admin, job_id)["pocc_log"]


def test_a_dynamic_list_is_synced_from_its_query(
    crm: Crm, sync_list: SyncList, cc_client: ConstantContactClient, admin
) -> None:
    title = f"Cupper {tag()}"
    crm.record(
        "lead", lastname="Gil", jobtitle=title, emailaddress1=f"gil.{title[-8:]}@ex.com"
    )
    crm.record(
        "lead",
        lastname="Hal",
        jobtitle="Barista",
        emailaddress1=f"hal.{title[-8:]}@ex.com",
    )
    list_id = crm.dynamic_list("lead", DYNAMIC_LEADS.format(title=title))

    job_id, status = sync_list(list_id)

    assert status is JobStatus.SUCCEEDED, job(admin, job_id).get("pocc_error")
    members = list_members(cc_client, crm.cc_list_id(list_id))
    assert set(members) == {f"gil.{title[-8:]}@ex.com"}


def test_an_inactive_list_fails_with_what_to_do(
    crm: Crm, sync_list: SyncList, admin
) -> None:
    list_id = crm.static_list("contact", [])
    admin.update("lists", list_id, {"statecode": 1, "statuscode": 1})

    job_id, status = sync_list(list_id)

    assert status is JobStatus.FAILED
    assert "is inactive; activate it" in job(admin, job_id)["pocc_error"]
