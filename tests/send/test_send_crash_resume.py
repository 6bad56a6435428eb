"""A worker killed (SIGKILL) at each step of a send, and a new one resuming it.

The first worker runs the send in small chunks and is held at one point
(`held_send`); the test starts a second worker, kills the first outright and waits
for the second to reclaim the stale job and finish it. Whatever the point, Constant
Contact must have seen each contact imported once, the campaign sent once, and the
job's buckets must add up to the members read.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pocc.constantcontact import ConstantContactClient
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JobStatus
from tests.jobs.conftest import job, status_of, wait_for
from tests.jobs.worker_processes import WorkerProcesses
from tests.send import send_checks
from tests.send.conftest import Seeded
from tests.send.held_send import CHUNK_VARIABLE, HOLD_VARIABLE, MARKS_VARIABLE
from tests.send.population import CHUNK_SIZE, IMPORTS, WINNERS, seed_population

# A send time far enough ahead that the sandbox never reaches it.
LATER = "2099-01-01T09:00:00Z"


@pytest.fixture
def start_worker(
    jobs_environment: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    workers = WorkerProcesses("tests.send.worker_main", tmp_path)

    def start(hold_at: str = "") -> subprocess.Popen[bytes]:
        return workers.start(
            {
                **jobs_environment,
                CHUNK_VARIABLE: str(CHUNK_SIZE),
                HOLD_VARIABLE: hold_at,
                MARKS_VARIABLE: str(tmp_path / "held"),
            }
        )

    yield start

    workers.kill_all()


def kill_and_resume(
    hold_at: str,
    job_id: str,
    start_worker: Callable[..., subprocess.Popen[bytes]],
    admin: DataverseClient,
    held: Path,
    on_hold: Callable[[], None],
) -> dict[str, Any]:
    """Holds a first worker at `hold_at`, calls `on_hold`, kills that worker and
    waits for a second to finish the job; the job row at the end."""
    first = start_worker(hold_at)
    wait_for(held.exists, what=f"the first worker to reach {hold_at}")
    assert held.read_text().split(maxsplit=1) == [job_id, f"{hold_at}\n"]
    on_hold()
    # Started before the kill, the second worker is up when the job goes stale.
    start_worker()
    first.send_signal(signal.SIGKILL)
    first.wait()
    wait_for(
        lambda: status_of(admin, job_id) == JobStatus.SUCCEEDED,
        timeout=60,
        what="the second worker to finish the send",
    )
    row = job(admin, job_id)
    assert "Resumed by another runner" in row["pocc_log"]
    return row


@pytest.mark.parametrize(
    ("hold_at", "imports_at_kill"),
    [
        ("read#1", 0),
        # The first import posted, its id not yet in the checkpoint.
        ("import started#1", 1),
        # The first chunk done; the second's import posted, its id not saved.
        ("import started#2", 2),
        # The last chunk's id saved, its import not yet waited for.
        ("import recorded#3", 3),
        ("before scheduling#1", 3),
        # Scheduled, and the checkpoint saying so not yet written.
        ("scheduled#1", 3),
    ],
)
def test_send_killed_at_any_step_and_resumed_imports_and_sends_once(
    hold_at: str,
    imports_at_kill: int,
    seed: Callable[..., Seeded],
    send_job: Callable[..., str],
    start_worker: Callable[..., subprocess.Popen[bytes]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
    tmp_path: Path,
) -> None:
    seeded = seed()
    addresses = seed_population(seeded)
    marker = send_checks.activity_marker(cc_client)
    job_id = send_job(seeded)

    def check_where_it_stopped() -> None:
        imports = send_checks.imports_since(cc_client, marker)
        assert len(imports) == imports_at_kill
        sends = len(cc_client.send_history(seeded.activity_id))
        assert sends == (hold_at == "scheduled#1")

    row = kill_and_resume(
        hold_at, job_id, start_worker, admin, tmp_path / "held", check_where_it_stopped
    )

    imports = send_checks.imports_since(cc_client, marker)
    assert len(imports) == IMPORTS, imports
    assert send_checks.imported_rows(imports) == WINNERS
    history = cc_client.send_history(seeded.activity_id)
    assert [send["count"] for send in history] == [WINNERS]
    list_id = send_checks.send_list_id(cc_client, seeded.activity_id)
    assert send_checks.list_emails(cc_client, list_id) == addresses
    assert (row["pocc_total"], row["pocc_sent"], row["pocc_skipped"]) == (8, 5, 3)
    assert row["pocc_skippedduplicate"] == 1
    assert row["pocc_skippednoemail"] == 1
    assert row["pocc_skippedemailingnotallowed"] == 1
    send_checks.assert_buckets_add_up(row)
    assert len(send_checks.send_history_rows(admin, seeded.row_id)) == 1
    recipients = send_checks.recipient_rows(admin, seeded.activity_id)
    assert {recipient["pocc_email"] for recipient in recipients} == addresses


def test_send_for_later_killed_once_scheduled_is_scheduled_once_and_says_when(
    seed: Callable[..., Seeded],
    send_job: Callable[..., str],
    start_worker: Callable[..., subprocess.Popen[bytes]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
    tmp_path: Path,
) -> None:
    seeded = seed()
    seed_population(seeded)
    job_id = send_job(seeded, pocc_scheduledsendon=LATER)

    def check_scheduled() -> None:
        assert len(cc_client.schedules(seeded.activity_id)) == 1

    row = kill_and_resume(
        "scheduled#1", job_id, start_worker, admin, tmp_path / "held", check_scheduled
    )

    schedules = cc_client.schedules(seeded.activity_id)
    assert [item["scheduled_date"][:16] for item in schedules] == [LATER[:16]]
    assert cc_client.send_history(seeded.activity_id) == []
    activity = cc_client.campaign_activity(seeded.activity_id)
    assert activity["current_status"].upper() == "SCHEDULED"
    assert f"scheduled for {LATER[:10]}" in row["pocc_log"].splitlines()[-1]
    send_checks.assert_buckets_add_up(row)
