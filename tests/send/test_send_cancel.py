"""A user cancels a send while it runs: it stops at its next step and sends nothing.

The cancel arrives as a CRM user's would, by setting `pocc_cancelrequested` on the
job row; the runner's heartbeat reads it, and the send stops before its next chunk or
before scheduling, whichever comes first.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobStatus
from pocc.jobs.kinds import JobContext
from pocc.jobs.runner import Runner
from tests.jobs.conftest import job, wait_for
from tests.send import send_checks
from tests.send.conftest import Seeded
from tests.send.held_send import kinds_with, send_kind
from tests.send.population import CHUNK_SIZE, MEMBERS, seed_population


@pytest.mark.parametrize(
    ("cancel_at", "imports", "sent"),
    [("read", 0, 0), ("import started#2", 2, 4), ("before scheduling", 3, 5)],
)
def test_cancelled_send_stops_at_its_next_step_says_so_and_schedules_nothing(
    cancel_at: str,
    imports: int,
    sent: int,
    seed: Callable[..., Seeded],
    send_job: Callable[..., str],
    runner_for: Callable[..., Runner],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    seeded = seed()
    seed_population(seeded)
    marker = send_checks.activity_marker(cc_client)
    job_id = send_job(seeded)
    reached: list[str] = []

    def cancel_there(job_context: JobContext, point: str) -> None:
        reached.append(point)
        here = f"{point}#{reached.count(point)}"

        if cancel_at not in (point, here):
            return

        admin.update(JOBS, job_id, {"pocc_cancelrequested": True})
        wait_for(job_context.cancelled, what="the runner to see the cancel")

    kind = send_kind(CHUNK_SIZE, cancel_there)
    status = runner_for(kinds=kinds_with(kind)).run_job(job_id)

    row = job(admin, job_id)
    assert status == JobStatus.CANCELLED, row["pocc_log"]
    assert "Cancelled: stopped at a user's request after" in row["pocc_log"]
    assert "scheduled" not in reached
    assert row["pocc_sent"] == sent
    assert row["pocc_total"] == MEMBERS
    assert len(send_checks.imports_since(cc_client, marker)) == imports
    assert cc_client.schedules(seeded.activity_id) == []
    assert cc_client.send_history(seeded.activity_id) == []
    activity = cc_client.campaign_activity(seeded.activity_id)
    assert activity["current_status"].upper() == "DRAFT"
    assert send_checks.send_history_rows(admin, seeded.row_id) == []
