"""A retrieval that stops half way, then resumes: every response once, none twice.

The first attempt dies after its first `$batch` (as a worker does when it is killed
between two steps). Its campaign's watermark has not moved, so the job that follows
reads the same events again; the responses already written are refused by their
fixed ids and the rest are written, one for one with the tracking reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.jobs.kinds.retrieve_responses import CAMPAIGN_COLUMNS
from pocc.responses.retrieval import WATERMARK, retrieve_campaign
from tests.responses.conftest import Organization
from tests.responses.expectations import expected_responses, stored_responses
from tests.responses.seeding import SentCampaign, send_campaign

FIRST_BATCH = 40


class WorkerKilledError(Exception):
    """Stands for the process dying between two batches."""


@pytest.fixture(scope="module")
def campaign(organization: Organization) -> SentCampaign:
    sent = send_campaign(
        organization.cc, organization.admin, organization.dataverse, 600, "Autumn Sale"
    )
    organization.advance(8)
    return sent


def campaign_row(organization: Organization, campaign: SentCampaign) -> dict[str, Any]:
    return organization.dataverse.retrieve(
        "pocc_campaigns", campaign.campaign_row_id, select=list(CAMPAIGN_COLUMNS)
    )


def die_after_first_batch() -> None:
    raise WorkerKilledError


def test_a_crash_mid_campaign_is_resumed_without_writing_twice(
    organization: Organization,
    campaign: SentCampaign,
    run_job: Callable[..., dict[str, Any]],
) -> None:
    expected = expected_responses(organization.cc, campaign)
    assert len(expected) > FIRST_BATCH

    with pytest.raises(WorkerKilledError):
        retrieve_campaign(
            organization.dataverse,
            organization.cc,
            campaign_row(organization, campaign),
            die_after_first_batch,
            batch_responses=FIRST_BATCH,
        )

    assert len(stored_responses(organization.dataverse, campaign)) == FIRST_BATCH
    assert not campaign_row(organization, campaign)[WATERMARK]

    job = run_job(JobKindValue.RETRIEVE_RESPONSES, "responses after a crash")

    assert job["pocc_jobstatus"] == JobStatus.SUCCEEDED, job["pocc_error"]
    assert f"{FIRST_BATCH} already there" in job["pocc_log"]
    assert set(stored_responses(organization.dataverse, campaign)) == set(expected)
    assert campaign_row(organization, campaign)[WATERMARK]


def test_a_read_after_a_complete_one_stops_at_the_watermark(
    organization: Organization,
    campaign: SentCampaign,
    run_job: Callable[..., dict[str, Any]],
) -> None:
    run_job(JobKindValue.RETRIEVE_RESPONSES, "responses, complete")
    every_row = sum(
        len(list(organization.cc.tracking(campaign.activity_id, report)))
        for report in ("opens", "clicks", "forwards", "optouts", "bounces")
    )

    result = retrieve_campaign(
        organization.dataverse, organization.cc, campaign_row(organization, campaign)
    )

    assert result.written.written == 0
    assert result.rows_read < every_row / 4
