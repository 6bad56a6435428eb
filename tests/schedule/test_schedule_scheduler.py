"""The worker's daily schedule against the sandbox's Dataverse.

One organisation at 01:00 in UTC+8 (China Standard Time). The scheduler's clock is
set by the test, so "three days later" takes no time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus, parse_time
from pocc.schedule.scheduler import DailyScheduler
from tests.dataverse.conftest import client_for
from tests.sandbox_process import SandboxProcess

CONFIGURATIONS = "pocc_configurations"


@pytest.fixture
def clients(
    fresh_sandbox: Callable[..., SandboxProcess],
) -> Iterator[tuple[DataverseClient, DataverseClient, str]]:
    sandbox = fresh_sandbox("contoso")
    app, admin = client_for(sandbox), client_for(sandbox, "admin")
    configuration_id = admin.create(
        CONFIGURATIONS,
        {
            "pocc_name": "contoso",
            "pocc_timezone": "China Standard Time",
            "pocc_retrievalminuteofday": 60,
        },
    )
    yield app, admin, configuration_id
    app.close()
    admin.close()


def daily_jobs(client: DataverseClient) -> list[dict]:
    query = Query(
        select=["pocc_jobid", "pocc_kind", "pocc_jobstatus", "pocc_name"],
        filter=column("pocc_name").contains("daily"),
    )
    return list(client.query(JOBS, query))


def stored_next(client: DataverseClient, configuration_id: str) -> datetime | None:
    row = client.retrieve(CONFIGURATIONS, configuration_id)
    return parse_time(row["pocc_nextresponseretrievalon"])


def scheduler_at(app: DataverseClient, moment: datetime) -> DailyScheduler:
    return DailyScheduler({"contoso": app}, clock=lambda: moment)


def test_the_first_look_only_stores_the_next_run(
    clients: tuple[DataverseClient, DataverseClient, str],
) -> None:
    app, _, configuration_id = clients
    now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)

    check = scheduler_at(app, now).check("contoso", app)

    assert check.queued == ()
    assert check.next_run == datetime(2025, 6, 10, 17, 0, tzinfo=UTC)
    assert stored_next(app, configuration_id) == check.next_run
    assert daily_jobs(app) == []


def test_a_due_run_queues_both_daily_jobs_once_even_with_two_workers(
    clients: tuple[DataverseClient, DataverseClient, str],
) -> None:
    app, _, configuration_id = clients
    scheduler_at(app, datetime(2025, 6, 10, 12, 0, tzinfo=UTC)).check("contoso", app)
    due = datetime(2025, 6, 10, 17, 0, 30, tzinfo=UTC)

    first = scheduler_at(app, due).check("contoso", app)
    app.update(
        CONFIGURATIONS,
        configuration_id,
        {"pocc_nextresponseretrievalon": "2025-06-10T17:00:00Z"},
    )
    second = scheduler_at(app, due).check("contoso", app)

    jobs = daily_jobs(app)
    assert sorted(job["pocc_kind"] for job in jobs) == sorted(
        [JobKindValue.RETRIEVE_RESPONSES, JobKindValue.REFRESH_STATISTICS]
    )
    assert all(job["pocc_jobstatus"] == JobStatus.QUEUED for job in jobs)
    assert first.queued == second.queued
    assert stored_next(app, configuration_id) == datetime(
        2025, 6, 11, 17, 0, tzinfo=UTC
    )


def test_runs_missed_while_the_worker_was_down_happen_once(
    clients: tuple[DataverseClient, DataverseClient, str],
) -> None:
    app, _, configuration_id = clients
    scheduler_at(app, datetime(2025, 6, 10, 12, 0, tzinfo=UTC)).check("contoso", app)
    back = datetime(2025, 6, 13, 9, 0, tzinfo=UTC)

    check = scheduler_at(app, back).check("contoso", app)
    later = scheduler_at(app, back + timedelta(minutes=5)).check("contoso", app)

    assert len(check.queued) == 2
    assert later.queued == ()
    assert len(daily_jobs(app)) == 2
    assert stored_next(app, configuration_id) == datetime(
        2025, 6, 13, 17, 0, tzinfo=UTC
    )


def test_a_changed_time_of_day_moves_the_next_run(
    clients: tuple[DataverseClient, DataverseClient, str],
) -> None:
    app, admin, configuration_id = clients
    now = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
    scheduler_at(app, now).check("contoso", app)

    admin.update(
        CONFIGURATIONS,
        configuration_id,
        {"pocc_timezone": "Hawaiian Standard Time", "pocc_retrievalminuteofday": 1380},
    )
    check = scheduler_at(app, now).check("contoso", app)

    assert check.queued == ()
    assert check.next_run == datetime(2025, 6, 11, 9, 0, tzinfo=UTC)


def test_the_billing_figure_is_refreshed_daily(
    clients: tuple[DataverseClient, DataverseClient, str],
) -> None:
    app, _, configuration_id = clients
    now = datetime.now(UTC).replace(microsecond=0)

    scheduler_at(app, now).check("contoso", app)
    first = app.retrieve(CONFIGURATIONS, configuration_id)
    scheduler_at(app, now + timedelta(hours=1)).check("contoso", app)
    second = app.retrieve(CONFIGURATIONS, configuration_id)

    assert first["pocc_enabledusers"] is not None
    assert parse_time(first["pocc_enableduserscountedon"]) == now
    assert second["pocc_enableduserscountedon"] == first["pocc_enableduserscountedon"]
