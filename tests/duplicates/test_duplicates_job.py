"""Find duplicates against the sandbox: grouping as Send does, and replacing results."""

from __future__ import annotations

import json
from collections.abc import Callable

from pocc.dataverse import DataverseClient, Query, column
from pocc.duplicates.results import EMAIL_DUPLICATES
from pocc.jobs.job_row import JobStatus
from tests.jobs.conftest import job
from tests.listsync.crm_seed import Crm, tag

FindDuplicates = Callable[[], tuple[str, JobStatus | None]]


def duplicate_rows(admin: DataverseClient, marker: str) -> dict[str, dict]:
    query = Query(
        select=["pocc_normalizedemail", "pocc_count", "pocc_records"],
        filter=column("pocc_normalizedemail").contains(marker),
    )
    return {
        row["pocc_normalizedemail"]: {
            "count": row["pocc_count"],
            "records": json.loads(row["pocc_records"]),
        }
        for row in admin.query(EMAIL_DUPLICATES, query)
    }


def test_addresses_differing_by_case_and_spaces_are_one_across_the_three_tables(
    crm: Crm, admin: DataverseClient, find_duplicates: FindDuplicates
) -> None:
    marker = tag()
    shared = f"ann.{marker}@example.com"
    contact = crm.record(
        "contact",
        firstname="Ann",
        lastname="Lee",
        emailaddress1=f"  Ann.{marker}@Example.COM ",
    )
    lead = crm.record("lead", lastname="Lee", emailaddress1=f"ANN.{marker}@example.com")
    account = crm.record("account", name="Lee Roasters", emailaddress1=shared)
    # Not emailable, so not a duplicate: Send would never read them.
    gone = crm.record("contact", lastname="Gone", emailaddress1=shared)
    admin.update("contacts", gone, {"statecode": 1, "statuscode": 2})
    crm.record("lead", lastname="No", emailaddress1=shared, donotbulkemail=True)
    crm.record("contact", lastname="Solo", emailaddress1=f"solo.{marker}@example.com")

    job_id, status = find_duplicates()

    row = job(admin, job_id)
    assert status is JobStatus.SUCCEEDED, row.get("pocc_error")
    found = duplicate_rows(admin, marker)
    assert list(found) == [shared]
    assert found[shared]["count"] == 3
    # The contact is the one Send would use: a contact beats a lead and an account.
    assert found[shared]["records"] == [
        {"table": "contact", "id": contact, "name": "Ann Lee", "used_by_send": True},
        {
            "table": "account",
            "id": account,
            "name": "Lee Roasters",
            "used_by_send": False,
        },
        {"table": "lead", "id": lead, "name": "Lee", "used_by_send": False},
    ]


def test_a_rerun_replaces_the_previous_results(
    crm: Crm, admin: DataverseClient, find_duplicates: FindDuplicates
) -> None:
    marker = tag()
    first = f"bo.{marker}@example.com"
    second = f"cy.{marker}@example.com"
    bo_contact = crm.record("contact", lastname="Bo", emailaddress1=first)
    bo_lead = crm.record("lead", lastname="Bo", emailaddress1=first)
    crm.record("account", name="Bo Beans", emailaddress1=first)
    cy = crm.record("contact", lastname="Cy", emailaddress1=second)
    find_duplicates()
    assert {
        address: row["count"] for address, row in duplicate_rows(admin, marker).items()
    } == {first: 3}

    admin.update("leads", bo_lead, {"emailaddress1": f"bo.lead.{marker}@example.com"})
    admin.update("contacts", bo_contact, {"donotemail": True})
    crm.record("lead", lastname="Cy", emailaddress1=f" CY.{marker}@EXAMPLE.com")
    job_id, status = find_duplicates()

    assert status is JobStatus.SUCCEEDED, job(admin, job_id).get("pocc_error")
    found = duplicate_rows(admin, marker)
    # Bo's address is now held by the account alone; Cy's by two records.
    assert list(found) == [second]
    assert found[second]["count"] == 2
    assert found[second]["records"][0]["id"] == cy
    assert "removed 1 from the previous scan" in job(admin, job_id)["pocc_log"]
