"""Synchronize and Refresh statistics against the sandbox's Constant Contact account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pocc.config import Settings
from pocc.constantcontact import ConstantContactClient, TokenStore
from pocc.dataverse import DataverseClient, Query, column
from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.jobs.kinds import load_kinds
from pocc.jobs.kinds.campaign_records import CAMPAIGNS, LINKS, SENDS
from pocc.jobs.runner import Runner
from tests.constantcontact import cc_helpers
from tests.jobs.conftest import job


@pytest.fixture
def cc_client(jobs_settings: Settings, connected: TokenStore) -> ConstantContactClient:
    return ConstantContactClient.with_store(jobs_settings, connected)


@pytest.fixture
def run_kind(
    make_job: Callable[..., str], runner_for: Callable[..., Runner]
) -> Callable[[JobKindValue], tuple[str, JobStatus | None]]:
    def run(kind: JobKindValue) -> tuple[str, JobStatus | None]:
        job_id = make_job(kind.label, kind)
        return job_id, runner_for(kinds=load_kinds()).run_job(job_id)

    return run


def campaign_rows(admin: DataverseClient) -> dict[str, dict[str, Any]]:
    return {row["pocc_ccid"]: row for row in admin.query(CAMPAIGNS)}


def versions(admin: DataverseClient) -> dict[str, int]:
    """Every campaign, link and send row's version: any write changes one."""
    seen = {}

    for entity_set in (CAMPAIGNS, LINKS, SENDS):
        for row in admin.query(entity_set, Query(select=["versionnumber"])):
            seen[f"{entity_set}/{row['@odata.etag']}"] = row["versionnumber"]

    return seen


def children(admin: DataverseClient, entity_set: str, row_id: str) -> list[dict]:
    query = Query(filter=column("_pocc_campaignid_value").eq(uuid.UUID(row_id)))
    return list(admin.query(entity_set, query))


def test_synchronize_imports_what_constant_contact_holds_and_a_rerun_writes_nothing(
    run_kind: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    job_id, status = run_kind(JobKindValue.SYNCHRONIZE)

    assert status == JobStatus.SUCCEEDED, job(admin, job_id)["pocc_error"]
    rows = campaign_rows(admin)
    campaigns = list(cc_client.email_campaigns())
    assert {c["campaign_id"] for c in campaigns} <= set(rows)

    sent = 0
    for campaign in campaigns:
        row = rows[campaign["campaign_id"]]
        assert row["pocc_name"] == campaign["name"]
        details = cc_client.email_campaign(campaign["campaign_id"])
        activity_id = row["pocc_primaryactivityid"]
        assert activity_id in [
            a["campaign_activity_id"] for a in details["campaign_activities"]
        ]
        activity = cc_client.campaign_activity(activity_id)
        assert row["pocc_subject"] == activity["subject"]
        assert row["pocc_fromemail"] == activity["from_email"]
        assert row["pocc_textpreview"]
        history = cc_client.send_history(activity_id)
        assert len(children(admin, SENDS, row["pocc_campaignid"])) == len(history)

        if campaign["current_status"] == "Done":
            sent += 1
            stats = cc_client.activity_stats([activity_id])[0][0]["stats"]
            assert row["pocc_sends"] == stats["em_sends"]
            assert row["pocc_uniqueopens"] == stats["em_opens"]
            assert row["pocc_clicks"] == stats["em_clicks_all"]
            links = cc_client.link_clicks(activity_id)
            held = children(admin, LINKS, row["pocc_campaignid"])
            assert sorted(link["pocc_cclinkid"] for link in held) == sorted(
                link["url_id"] for link in links
            )
            assert sum(link["pocc_uniqueclicks"] for link in held) == sum(
                link["unique_clicks"] for link in links
            )

    assert sent >= 2
    before = versions(admin)

    second_id, second = run_kind(JobKindValue.SYNCHRONIZE)

    assert second == JobStatus.SUCCEEDED
    assert versions(admin) == before
    log = job(admin, second_id)["pocc_log"]
    assert f"Campaigns synchronized: {len(campaigns)} unchanged." in log


def test_campaign_removed_in_constant_contact_is_deactivated_not_deleted(
    run_kind: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    created = cc_client.create_email_campaign(
        {
            "name": "Removed before anyone saw it",
            "email_campaign_activities": [
                {
                    "format_type": 5,
                    "from_name": "Contoso Coffee",
                    "from_email": "news@contoso-coffee.example",
                    "reply_to_email": "news@contoso-coffee.example",
                    "subject": "Gone soon",
                    "html_content": "<html><body>[[trackingImage]]Hi</body></html>",
                    "physical_address_in_footer": {
                        "address_line1": "200 Harbor Street",
                        "city": "Boston",
                        "state_code": "MA",
                        "postal_code": "02210",
                        "country_code": "US",
                        "organization_name": "Contoso Coffee Roasters",
                    },
                }
            ],
        }
    )
    run_kind(JobKindValue.SYNCHRONIZE)
    assert campaign_rows(admin)[created["campaign_id"]]["statecode"] == 0

    cc_client.delete_email_campaign(created["campaign_id"])
    _, status = run_kind(JobKindValue.SYNCHRONIZE)

    row = campaign_rows(admin)[created["campaign_id"]]
    assert status == JobStatus.SUCCEEDED
    assert row["statecode"] == 1
    assert row["pocc_campaignstatus"] == 101500005


def test_refresh_statistics_rewrites_recent_campaigns_and_leaves_old_ones(
    run_kind: Callable[..., tuple[str, JobStatus | None]],
    cc_client: ConstantContactClient,
    admin: DataverseClient,
) -> None:
    run_kind(JobKindValue.SYNCHRONIZE)
    done = [
        row
        for row in campaign_rows(admin).values()
        if row["pocc_campaignstatus"] == 101500003 and row["statecode"] == 0
    ]
    recent, old = done[0], done[1]
    stale_figures = {"pocc_sends": 0, "pocc_uniqueopens": 0, "pocc_clickrate": 0}
    admin.update(CAMPAIGNS, recent["pocc_campaignid"], stale_figures)
    admin.update(
        CAMPAIGNS,
        old["pocc_campaignid"],
        {**stale_figures, "pocc_lastsenton": "2000-01-01T00:00:00Z"},
    )
    # Clicks and sends move on in Constant Contact after the last refresh.
    link = _child_of(admin, LINKS, recent["pocc_campaignid"])
    send = _child_of(admin, SENDS, recent["pocc_campaignid"])
    admin.update(LINKS, link["pocc_emaillinkid"], {"pocc_uniqueclicks": 0})
    admin.update(SENDS, send["pocc_sendhistoryid"], {"pocc_recipients": 0})

    job_id, status = run_kind(JobKindValue.REFRESH_STATISTICS)

    assert status == JobStatus.SUCCEEDED, job(admin, job_id)["pocc_error"]
    rows = campaign_rows(admin)
    stats = cc_client.activity_stats([recent["pocc_primaryactivityid"]])[0][0]["stats"]
    assert rows[recent["pocc_ccid"]]["pocc_sends"] == stats["em_sends"] > 0
    assert rows[recent["pocc_ccid"]]["pocc_uniqueopens"] == stats["em_opens"]
    assert rows[old["pocc_ccid"]]["pocc_sends"] == 0
    assert "Statistics refreshed for" in job(admin, job_id)["pocc_log"]
    link_after = admin.retrieve(LINKS, link["pocc_emaillinkid"])
    send_after = admin.retrieve(SENDS, send["pocc_sendhistoryid"])
    assert link_after["pocc_uniqueclicks"] == link["pocc_uniqueclicks"] > 0
    assert send_after["pocc_recipients"] == send["pocc_recipients"] > 0


def _child_of(
    admin: DataverseClient, entity_set: str, campaign_row_id: str
) -> dict[str, Any]:
    """The campaign's child row with the most clicks or recipients."""
    rows = admin.query(
        entity_set,
        Query(filter=column("_pocc_campaignid_value").eq(uuid.UUID(campaign_row_id))),
    )
    figure = "pocc_uniqueclicks" if entity_set == LINKS else "pocc_recipients"
    return max(rows, key=lambda row: row.get(figure) or 0)


def test_expired_constant_contact_authentication_fails_the_job_with_what_to_fix(
    run_kind: Callable[..., tuple[str, JobStatus | None]],
    connected: TokenStore,
    admin: DataverseClient,
    configuration_id: str,
) -> None:
    # A day later the access token has expired, and the refresh token was spent
    # elsewhere: Constant Contact answers the refresh with invalid_grant.
    cc_helpers.expire_stored_token(connected)
    connected.dataverse.update(
        "pocc_configurations",
        configuration_id,
        {"pocc_refreshtoken": connected.vault.encrypt("spent-refresh-token")},
    )

    job_id, status = run_kind(JobKindValue.SYNCHRONIZE)

    row = job(admin, job_id)
    assert status == JobStatus.FAILED
    assert "click Authenticate again" in row["pocc_error"]
    assert row["pocc_processed"] == 0
    configuration = admin.retrieve("pocc_configurations", configuration_id)
    assert configuration["pocc_needsreauthentication"] is True
