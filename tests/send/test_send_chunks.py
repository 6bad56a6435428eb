"""An import in several chunks, with contacts refused one by one along the way.

Some contacts are refused by pocc before they are sent (an address longer than
Constant Contact takes), one by Constant Contact itself (the contact unsubscribed
there, so the import cannot put it on the send's list), and one has a job title cut
to fit. Each must be counted once, in its own bucket, whichever chunk it falls in.
"""

from __future__ import annotations

from collections.abc import Callable

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JobStatus
from pocc.jobs.kinds import JobContext
from pocc.jobs.runner import Runner
from pocc.send.buckets import UNSUBSCRIBED
from tests.jobs.conftest import job
from tests.send import send_checks
from tests.send.conftest import Seeded
from tests.send.held_send import kinds_with, send_kind

CHUNK_SIZE = 2


def ignore(job_context: JobContext, point: str) -> None:
    """Lets the send run through every point."""


def test_multi_chunk_import_counts_each_refused_contact_once(
    seed: Callable[..., Seeded],
    send_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    seeded = seed()
    tag = seeded.campaign_id[:8]
    sent = {f"chunk{number}.{tag}@example.com" for number in range(4)}
    members = [
        seeded.record("contact", lastname="Sent", emailaddress1=address)
        for address in sorted(sent)
    ]
    long_name = seeded.record(
        "contact", jobtitle="J" * 80, lastname="Title", emailaddress1=f"n.{tag}@ex.com"
    )
    sent.add(f"n.{tag}@ex.com")
    too_long = [
        seeded.record(
            "contact", lastname="Long", emailaddress1=f"{'x' * 45}{n}{tag}@example.com"
        )
        for n in range(2)
    ]
    unsubscribed_address = f"gone.{tag}@example.com"
    cc_client.create_contact(
        {
            "email_address": {
                "address": unsubscribed_address,
                "permission_to_send": "unsubscribed",
            }
        }
    )
    unsubscribed = seeded.record(
        "contact", lastname="Gone", emailaddress1=unsubscribed_address
    )
    seeded.static_list("contact", [*members, long_name, *too_long, unsubscribed])
    marker = send_checks.activity_marker(cc_client)
    job_id = send_job(seeded)

    kind = send_kind(CHUNK_SIZE, ignore)
    status = runner_for(kinds=kinds_with(kind)).run_job(job_id)

    row = job(admin, job_id)
    assert status == JobStatus.PARTLY_SUCCEEDED, row["pocc_log"]
    assert row["pocc_total"] == 8
    assert row["pocc_sent"] == 5
    assert row["pocc_skippedrefused"] == 3
    assert row["pocc_failed"] == 0
    send_checks.assert_buckets_add_up(row)
    imports = send_checks.imports_since(cc_client, marker)
    # Refused before sending, the two long addresses never reach an import.
    assert send_checks.imported_rows(imports) == 6
    assert all(activity["status"]["items_total_count"] <= 2 for activity in imports)
    assert (
        sum(activity["status"]["cannot_add_to_list_count"] for activity in imports) == 1
    )
    list_id = send_checks.send_list_id(cc_client, seeded.activity_id)
    assert send_checks.list_emails(cc_client, list_id) == sent
    assert [send["count"] for send in cc_client.send_history(seeded.activity_id)] == [5]
    recipients = send_checks.recipient_rows(admin, seeded.activity_id)
    assert {recipient["pocc_email"] for recipient in recipients} == sent
    log = row["pocc_log"]
    assert f"contact {unsubscribed} ({UNSUBSCRIBED})" in log
    for record_id in too_long:
        assert f"contact {record_id} (email is longer than 50 characters" in log
    assert "1 contacts had a value cut to Constant Contact's length limits." in log
    # Eight winners in chunks of two: four chunks, whatever each one held.
    assert "Import 4:" in log
    assert "Import 5:" not in log
