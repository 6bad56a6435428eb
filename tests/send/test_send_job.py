"""The Send job end to end against the sandbox: buckets, recipients, failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pocc.constantcontact import ConstantContactClient, TokenStore
from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import JobStatus
from pocc.jobs.kinds import load_kinds
from pocc.jobs.runner import Runner
from pocc.send.recipients import recipient_for
from tests.constantcontact import cc_helpers
from tests.jobs.conftest import job
from tests.send.conftest import Seeded

DYNAMIC_LEADS = (
    '<fetch><entity name="lead"><attribute name="fullname"/>'
    '<filter><condition attribute="jobtitle" operator="eq" value="{title}"/>'
    "</filter></entity></fetch>"
)


@pytest.fixture
def run_send(
    send_job: Callable[..., str], runner_for: Callable[..., Runner]
) -> Callable[..., tuple[str, JobStatus | None]]:
    def run(seeded: Seeded, **columns: Any) -> tuple[str, JobStatus | None]:
        job_id = send_job(seeded, **columns)
        return job_id, runner_for(kinds=load_kinds()).run_job(job_id)

    return run


def list_emails(client: ConstantContactClient, list_id: str) -> set[str]:
    return {
        contact["email_address"]["address"].lower()
        for contact in client.contacts(lists=[list_id])
    }


def test_send_reaches_constant_contact_with_the_right_contacts_and_is_scheduled(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    seeded = seed()
    title = f"Roaster {seeded.campaign_id[:8]}"
    ann = seeded.record(
        "contact",
        firstname="Ann",
        lastname="Lee",
        emailaddress1=" Ann.Lee@Example.COM ",
        jobtitle="Head of Coffee",
    )
    bo = seeded.record("contact", firstname="Bo", emailaddress1="bo+news@example.com")
    lead = seeded.record(
        "lead",
        lastname="Chen",
        companyname="Chen Imports",
        emailaddress1="chen@例え.jp",
    )
    dynamic_lead = seeded.record(
        "lead", lastname="Dee", jobtitle=title, emailaddress1="dee@example.org"
    )
    account = seeded.record(
        "account", name="Fabrikam", emailaddress1="hi@fabrikam.example"
    )
    seeded.static_list("contact", [ann, bo])
    seeded.static_list("lead", [lead])
    seeded.static_list("account", [account])
    seeded.dynamic_list("lead", DYNAMIC_LEADS.format(title=title))

    job_id, status = run_send(seeded)

    row = job(admin, job_id)
    assert status == JobStatus.SUCCEEDED, row["pocc_error"] or row["pocc_log"]
    assert (row["pocc_total"], row["pocc_sent"], row["pocc_skipped"]) == (5, 5, 0)
    activity = cc_client.campaign_activity(seeded.activity_id)
    (list_id,) = activity["contact_list_ids"]
    assert list_emails(cc_client, list_id) == {
        "ann.lee@example.com",
        "bo+news@example.com",
        "chen@xn--r8jz45g.jp",
        "dee@example.org",
        "hi@fabrikam.example",
    }
    history = cc_client.send_history(seeded.activity_id)
    assert len(history) == 1
    assert history[0]["count"] == 5
    ann_in_cc = cc_client.find_contact("ann.lee@example.com")
    assert ann_in_cc["first_name"] == "Ann"
    assert ann_in_cc["job_title"] == "Head of Coffee"
    assert recipient_for(admin, seeded.activity_id, "dee@example.org") == {
        "table": "lead",
        "id": dynamic_lead,
    }
    sends = list(
        admin.query(
            "pocc_sendhistories",
            Query(filter=column("_pocc_campaignid_value").eq(uuid.UUID(seeded.row_id))),
        )
    )
    assert [send["pocc_recipients"] for send in sends] == [5]
    campaign = admin.retrieve("pocc_campaigns", seeded.row_id)
    assert campaign["pocc_lastsenton"] is not None


def test_every_skip_reason_is_counted_and_the_buckets_add_up(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    admin: DataverseClient,
) -> None:
    seeded = seed()
    tag = seeded.campaign_id[:8]
    winner = seeded.record("contact", lastname="Win", emailaddress1=f"dup{tag}@ex.com")
    contacts = [
        winner,
        seeded.record("contact", lastname="NoMail"),
        seeded.record("contact", lastname="Bad", emailaddress1="not an address"),
        seeded.record(
            "contact", lastname="Quiet", emailaddress1=f"q{tag}@ex.com", donotemail=True
        ),
        seeded.record(
            "contact",
            lastname="Bulk",
            emailaddress1=f"b{tag}@ex.com",
            donotbulkemail=True,
        ),
        seeded.record(
            "contact", lastname="Long", emailaddress1=f"{'x' * 45}{tag}@example.com"
        ),
    ]
    inactive = seeded.record("contact", lastname="Gone", emailaddress1=f"g{tag}@ex.com")
    admin.update("contacts", inactive, {"statecode": 1, "statuscode": 2})
    duplicate = seeded.record("lead", lastname="Dup", emailaddress1=f" DUP{tag}@EX.com")
    seeded.static_list("contact", [*contacts, inactive])
    seeded.static_list("lead", [duplicate])

    job_id, status = run_send(seeded)

    row = job(admin, job_id)
    assert status == JobStatus.PARTLY_SUCCEEDED, row["pocc_log"]
    assert row["pocc_total"] == 8
    assert row["pocc_sent"] == 1
    assert row["pocc_skippedinactive"] == 1
    assert row["pocc_skippednoemail"] == 1
    assert row["pocc_skippedinvalidemail"] == 1
    assert row["pocc_skippedemailingnotallowed"] == 2
    assert row["pocc_skippedduplicate"] == 1
    assert row["pocc_skippedrefused"] == 1
    assert row["pocc_sent"] + row["pocc_skipped"] + row["pocc_failed"] == 8
    assert row["pocc_processed"] == 8
    log = row["pocc_log"]
    assert f"lead {duplicate}" in log
    assert f"same address as contact {winner}" in log
    assert f"contact {inactive}" in log
    assert "email is longer than 50 characters" in log
    assert f"dup{tag}@ex.com" not in log.lower()


def test_campaign_without_marketing_lists_fails_with_what_to_fix(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    seeded = seed()

    job_id, status = run_send(seeded)

    row = job(admin, job_id)
    assert status == JobStatus.FAILED
    assert "it has no marketing lists" in row["pocc_error"]
    assert (
        "Add active marketing lists to the Dynamics 365 campaign" in row["pocc_error"]
    )
    assert cc_client.send_history(seeded.activity_id) == []


def test_campaign_without_a_source_campaign_fails_with_what_to_fix(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    admin: DataverseClient,
) -> None:
    job_id, status = run_send(seed(link=False))

    assert status == JobStatus.FAILED
    assert "has no source campaign" in job(admin, job_id)["pocc_error"]


def test_campaign_constant_contact_will_not_schedule_fails_at_once(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    seeded = seed()
    contact = seeded.record("contact", lastname="Sched", emailaddress1="s@ex.com")
    seeded.static_list("contact", [contact])
    first_id, first = run_send(seeded, pocc_scheduledsendon="2099-01-01T09:00:00Z")
    assert first == JobStatus.SUCCEEDED, job(admin, first_id)["pocc_log"]
    assert cc_client.schedules(seeded.activity_id) != []

    job_id, status = run_send(seeded)

    row = job(admin, job_id)
    assert status == JobStatus.FAILED
    assert "already scheduled in Constant Contact" in row["pocc_error"]
    assert row["pocc_processed"] == 0


def test_expired_constant_contact_authentication_fails_at_once(
    seed: Callable[..., Seeded],
    run_send: Callable[..., tuple[str, JobStatus | None]],
    connected: TokenStore,
    configuration_id: str,
    admin: DataverseClient,
) -> None:
    seeded = seed()
    contact = seeded.record("contact", lastname="Auth", emailaddress1="auth@ex.com")
    seeded.static_list("contact", [contact])
    cc_helpers.expire_stored_token(connected)
    connected.dataverse.update(
        "pocc_configurations",
        configuration_id,
        {"pocc_refreshtoken": connected.vault.encrypt("spent-refresh-token")},
    )

    job_id, status = run_send(seeded)

    row = job(admin, job_id)
    assert status == JobStatus.FAILED
    assert "click Authenticate again" in row["pocc_error"]
    assert row["pocc_processed"] == 0
