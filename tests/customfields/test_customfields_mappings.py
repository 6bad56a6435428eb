"""Mappings checked and provisioned against the sandbox, and the values that arrive."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest

from pocc.constantcontact import ConstantContactClient
from pocc.customfields import CustomField, CustomFieldError, load_custom_fields
from pocc.customfields.columns import CARRIED, read_columns
from pocc.customfields.mappings import read_mappings
from pocc.customfields.validation import check_mappings
from pocc.jobs.job_row import JobStatus
from pocc.send.mapping import FieldMap
from tests.jobs.conftest import job
from tests.listsync.crm_seed import Crm, tag

SyncList = Callable[..., tuple[str, JobStatus | None]]
ROOT = Path(__file__).resolve().parents[2]


def contact_values(client: ConstantContactClient, address: str) -> dict[str, str]:
    """The contact's custom field values by field name."""
    contact = client.find_contact(address)
    assert contact is not None, "the contact never reached Constant Contact"
    full = client.contact(contact["contact_id"], include=["custom_fields"])
    names = {item["custom_field_id"]: item["name"] for item in client.custom_fields()}
    return {
        names[item["custom_field_id"]]: item["value"]
        for item in full.get("custom_fields", [])
    }


def test_the_25th_mapping_of_a_table_is_refused_by_name(
    crm: Crm,
    admin,
    sync_list: SyncList,
    jobs_environment: dict[str, str],
    cc_client: ConstantContactClient,
) -> None:
    marker = tag()
    carried = sorted(
        name
        for name, attribute in read_columns(admin, "contact").items()
        if attribute.type_name in CARRIED
    )
    assert len(carried) >= 25

    for number, name in enumerate(carried[:24], start=1):
        crm.mapping("contact", name, f"Field {number} {marker}")

    # Mappings are counted oldest first: the 25th is the newest.
    time.sleep(1.1)
    last = carried[24]
    crm.mapping("contact", last, f"Too many {marker}")
    crm.mapping("lead", "jobtitle", f"Lead field {marker}")

    checked, problems = check_mappings(admin, read_mappings(admin))

    assert len(checked) == 25
    assert [str(problem) for problem in problems] == [
        f"Too many {marker} (contact.{last}): it is mapping number 25 for contact; "
        "at most 24 columns of a table can be mapped (Constant Contact takes 25 "
        "custom fields per contact)"
    ]

    member = crm.record("contact", emailaddress1=f"x.{marker}@ex.com")
    job_id, status = sync_list(crm.static_list("contact", [member]))
    assert status is JobStatus.FAILED
    assert f"Too many {marker}" in job(admin, job_id)["pocc_error"]
    # Refused before anything changed in Constant Contact.
    labels = {item["label"] for item in cc_client.custom_fields()}
    assert f"Field 1 {marker}" not in labels

    command = subprocess.run(
        [sys.executable, "-m", "pocc", "customfields", "check", "--org", "contoso"],
        cwd=ROOT,
        env={**os.environ, **jobs_environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert command.returncode == 1, command.stderr
    assert f"refused  Too many {marker} (contact.{last})" in command.stdout


def test_a_missing_column_and_an_uncarried_type_are_refused_with_which(
    crm: Crm, admin
) -> None:
    crm.mapping("contact", "favouriteroast", "Roast")
    crm.mapping("lead", "leadid", "Lead id")

    with pytest.raises(CustomFieldError) as refused:
        load_custom_fields(admin)

    message = str(refused.value)
    assert "Roast (contact.favouriteroast): contact has no column favouriteroast" in (
        message
    )
    assert "leadid is a Uniqueidentifier column, which cannot be carried" in message


def test_a_missing_field_is_created_with_a_fitting_type_and_remembered(
    crm: Crm, admin, cc_client: ConstantContactClient
) -> None:
    marker = tag()
    birthday = crm.mapping("contact", "birthdate", f"Birthday {marker}")
    gender = crm.mapping("contact", "gendercode", f"Gender {marker}")

    fields = load_custom_fields(admin, cc_client)

    by_label = {item["label"]: item for item in cc_client.custom_fields()}
    assert by_label[f"Birthday {marker}"]["type"] == "date"
    assert by_label[f"Gender {marker}"]["type"] == "string"
    stored = crm.mapping_row(birthday)
    assert stored["pocc_ccfieldid"] == by_label[f"Birthday {marker}"]["custom_field_id"]
    assert stored["pocc_ccname"] == f"birthday_{marker}"
    assert crm.mapping_row(gender)["pocc_cctype"] == "string"
    assert sorted(item.cc_name for item in fields["contact"]) == [
        f"birthday_{marker}",
        f"gender_{marker}",
    ]

    # Without Constant Contact, a later job uses what the mapping remembers.
    assert load_custom_fields(admin) == fields


def test_an_existing_field_of_an_unfitting_type_is_refused(
    crm: Crm, admin, cc_client: ConstantContactClient
) -> None:
    marker = tag()
    cc_client.create_custom_field({"label": f"Visits {marker}", "type": "number"})
    crm.mapping("contact", "birthdate", f"Visits {marker}")

    with pytest.raises(CustomFieldError, match="is of type number, but a DateTime"):
        load_custom_fields(admin, cc_client)


def test_a_mapped_date_choice_lookup_and_long_text_arrive_formatted(
    crm: Crm, admin, sync_list: SyncList, cc_client: ConstantContactClient
) -> None:
    marker = tag()
    crm.mapping("contact", "birthdate", f"Birthday {marker}")
    crm.mapping("contact", "gendercode", f"Gender {marker}")
    crm.mapping("contact", "parentcustomerid", f"Company {marker}")
    crm.mapping("contact", "description", f"Notes {marker}")
    account = crm.record("account", name=f"Fabrikam {marker}")
    address = f"ann.{marker}@ex.com"
    member = crm.record(
        "contact",
        firstname="Ann",
        emailaddress1=address,
        birthdate="1990-05-17",
        gendercode=2,
        description="x" * 300,
        **{"parentcustomerid_account@odata.bind": f"/accounts({account})"},
    )

    job_id, status = sync_list(crm.static_list("contact", [member]))

    row = job(admin, job_id)
    assert status is JobStatus.SUCCEEDED, row.get("pocc_error")
    assert contact_values(cc_client, address) == {
        f"birthday_{marker}": "05/17/1990",
        f"gender_{marker}": "Female",
        f"company_{marker}": f"Fabrikam {marker}",
        f"notes_{marker}": "x" * 255,
    }
    assert "1 contacts had a value cut" in row["pocc_log"]


def test_a_choice_on_a_dynamic_list_arrives_as_its_label(
    crm: Crm, admin, sync_list: SyncList, cc_client: ConstantContactClient
) -> None:
    marker = tag()
    crm.mapping("lead", "leadsourcecode", f"Source {marker}")
    address = f"lee.{marker}@ex.com"
    crm.record(
        "lead", lastname="Lee", jobtitle=marker, leadsourcecode=7, emailaddress1=address
    )
    fetch = (
        '<fetch><entity name="lead"><attribute name="fullname"/><filter>'
        f'<condition attribute="jobtitle" operator="eq" value="{marker}"/>'
        "</filter></entity></fetch>"
    )

    job_id, status = sync_list(crm.dynamic_list("lead", fetch))

    assert status is JobStatus.SUCCEEDED, job(admin, job_id).get("pocc_error")
    assert contact_values(cc_client, address) == {f"source_{marker}": "Trade Show"}


def test_a_field_constant_contact_ignores_is_an_error_on_the_job(
    crm: Crm, admin, sync_list: SyncList
) -> None:
    marker = tag()
    member = crm.record(
        "contact", jobtitle="Roaster", emailaddress1=f"r.{marker}@ex.com"
    )
    # A field deleted in Constant Contact after pocc checked it: the import drops it.
    vanished = FieldMap(
        {"contact": (CustomField("jobtitle", f"gone_{marker}", "string"),)}
    )

    with mock.patch(
        "pocc.jobs.kinds.sync_marketing_list.read_field_map", return_value=vanished
    ):
        job_id, status = sync_list(crm.static_list("contact", [member]))

    row = job(admin, job_id)
    assert status is JobStatus.PARTLY_SUCCEEDED
    assert row["pocc_failed"] == 1
    assert f"cf:gone_{marker} does not exist" in row["pocc_log"]
    assert "failed or lost a value" in row["pocc_error"]
