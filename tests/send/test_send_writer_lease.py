"""Two sends whose marketing lists overlap run one after the other, never together.

The first send is held mid-import (its writer lease taken); a second runner looks at
the other send meanwhile and must leave it Queued with a note saying what it waits
for, having written nothing to Constant Contact. Once the first ends, the second
runs, and each campaign goes to exactly its own lists' members.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JobStatus
from pocc.jobs.kinds import JobContext
from pocc.jobs.kinds.send import Send
from pocc.jobs.runner import Runner, Timing
from tests.jobs.conftest import job, status_of, wait_for
from tests.send import send_checks
from tests.send.conftest import Seeded
from tests.send.held_send import kinds_with, send_kind

HOLD_SECONDS = 30
# The lease lasts one stale limit and its expiry is stored to the whole second, so
# the jobs tests' 1.5 s can look lapsed at a second's turn between two beats; a
# few seconds keeps the first send's hold certain.
LEASE_TIMING = Timing(heartbeat_seconds=0.2, stale_seconds=5.0)


def test_sends_with_overlapping_lists_are_serialised_by_the_writer_lease(
    seed: Callable[..., Seeded],
    send_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
    configuration_id: str,
) -> None:
    first, second = seed(), seed()
    tag = first.campaign_id[:8]
    shared = {f"shared{number}.{tag}@example.com" for number in range(3)}
    shared_ids = [
        first.record("contact", lastname="Shared", emailaddress1=address)
        for address in sorted(shared)
    ]
    shared_list = first.static_list("contact", shared_ids)
    second.attach(shared_list)
    own_first = f"first.{tag}@example.com"
    own_second = f"second.{tag}@example.com"
    first.static_list(
        "contact", [first.record("contact", lastname="A", emailaddress1=own_first)]
    )
    second.static_list(
        "lead", [second.record("lead", lastname="B", emailaddress1=own_second)]
    )
    marker = send_checks.activity_marker(cc_client)
    first_job, second_job = send_job(first), send_job(second)
    importing, release = threading.Event(), threading.Event()

    def hold_first_import(job_context: JobContext, point: str) -> None:
        if point == "import started":
            importing.set()
            release.wait(HOLD_SECONDS)

    first_kinds = kinds_with(send_kind(Send.chunk_size, hold_first_import))
    first_runner = runner_for("runner-one", kinds=first_kinds, timing=LEASE_TIMING)
    statuses: dict[str, JobStatus | None] = {}
    running = threading.Thread(
        target=lambda: statuses.update(first=first_runner.run_job(first_job))
    )
    running.start()

    try:
        wait_for(importing.is_set, what="the first send to start importing")
        second_runner = runner_for(
            "runner-two", kinds=kinds_with(Send), timing=LEASE_TIMING
        )

        assert second_runner.run_job(second_job) is None
        waiting = job(admin, second_job)
        assert waiting["pocc_jobstatus"] == JobStatus.QUEUED
        assert "Waiting: job 'Send " in waiting["pocc_log"]
        assert "is writing to Constant Contact" in waiting["pocc_log"]
        assert len(send_checks.imports_since(cc_client, marker)) == 1
        lease = admin.retrieve("pocc_configurations", configuration_id)
        assert lease["pocc_writerleaseowner"].startswith(first_job)
    finally:
        release.set()
        running.join(timeout=HOLD_SECONDS)

    assert statuses["first"] == JobStatus.SUCCEEDED
    assert second_runner.run_job(second_job) == JobStatus.SUCCEEDED
    assert status_of(admin, first_job) == JobStatus.SUCCEEDED

    imports = send_checks.imports_since(cc_client, marker)
    assert [activity["status"]["items_total_count"] for activity in imports] == [4, 4]
    for seeded, own, job_id in (
        (first, own_first, first_job),
        (second, own_second, second_job),
    ):
        list_id = send_checks.send_list_id(cc_client, seeded.activity_id)
        assert send_checks.list_emails(cc_client, list_id) == shared | {own}
        history = cc_client.send_history(seeded.activity_id)
        assert [send["count"] for send in history] == [4]
        row = job(admin, job_id)
        assert (row["pocc_total"], row["pocc_sent"]) == (4, 4)
        send_checks.assert_buckets_add_up(row)

    lease = admin.retrieve("pocc_configurations", configuration_id)
    assert lease["pocc_writerleaseowner"] is None
