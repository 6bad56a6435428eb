"""The benchmark counts requests by service and kind, and knows the smallest counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pocc.bench.calls import classify, requests_between, work_total
from pocc.bench.report import smallest_calls
from pocc.bench.retrieval_report import smallest_retrieval_calls

API = "/dataverse/contoso/api/data/v9.2"


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", f"{API}/lists(1)/listcontact_association?$select=a", "member page"),
        ("GET", f"{API}/lists(1)/listlead_association", "member page"),
        ("GET", f"{API}/contacts?fetchXml=%3Cfetch%3E", "member page"),
        ("GET", f"{API}/campaigns(1)/campaignlist_association", "other"),
        ("POST", f"{API}/$batch", "batch"),
        ("PATCH", f"{API}/pocc_jobs(1)", "job, lease and token rows"),
        ("GET", f"{API}/pocc_configurations?$top=1", "job, lease and token rows"),
        ("GET", f"{API}/", "tenant discovery"),
        ("POST", f"{API}/pocc_sendhistories", "other"),
    ],
)
def test_dataverse_requests_are_told_apart(method: str, path: str, kind: str):
    assert classify(method, path) == f"dataverse: {kind}"


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/constantcontact/v3/activities/contacts_json_import", "import"),
        ("GET", "/constantcontact/v3/activities/abc", "import status"),
        ("GET", "/constantcontact/v3/emails/activities/abc", "other"),
        ("GET", "/constantcontact/v3/activities?limit=1", "other"),
        ("POST", "/constantcontact/oauth2/default/v1/token", "token"),
    ],
)
def test_constant_contact_requests_are_told_apart(method: str, path: str, kind: str):
    assert classify(method, path) == f"constant contact: {kind}"


def test_requests_are_read_between_two_offsets_of_the_sandbox_log(tmp_path: Path):
    log = tmp_path / "sandbox.log"
    before = f"x DEBUG pocc.sandbox.server: GET {API}/pocc_jobs(1) -> 200\n"
    during = (
        f"x DEBUG pocc.sandbox.server: POST {API}/$batch -> 200\n"
        "x DEBUG pocc.sandbox.dataverse.records: created contact 1\n"
        "x DEBUG pocc.sandbox.server: POST /identity/t/oauth2/v2.0/token -> 200\n"
    )
    log.write_text(before + during)

    counts = requests_between(log, len(before.encode()), log.stat().st_size)

    assert counts == Counter({"dataverse: batch": 1, "identity: token": 1})


def test_work_leaves_out_bookkeeping_and_tokens():
    counts = Counter(
        {
            "dataverse: member page": 2,
            "dataverse: batch": 10,
            "dataverse: job, lease and token rows": 30,
            "dataverse: tenant discovery": 1,
            "constant contact: token": 1,
        }
    )

    assert work_total(counts, "dataverse") == 12
    assert work_total(counts, "constant contact") == 0


def test_smallest_counts_follow_the_services_limits():
    smallest = smallest_calls(100_000)

    assert smallest["dataverse: member page"] == 20
    assert smallest["dataverse: batch"] == 100
    assert smallest["constant contact: import"] == 3
    assert smallest_calls(40_001)["constant contact: import"] == 2
    assert smallest_calls(5_000)["dataverse: member page"] == 1


def test_retrieval_requests_are_told_apart():
    report = "/constantcontact/v3/reports/email_reports/a1/tracking/opens?limit=500"

    assert classify("GET", report) == "constant contact: report page"
    assert classify("GET", f"{API}/pocc_sendrecipients?$select=x") == (
        "dataverse: recipient page"
    )


def test_smallest_retrieval_counts_follow_the_services_limits():
    rows = {"opens": 1_001, "clicks": 0, "forwards": 10, "optouts": 500, "bounces": 1}

    smallest = smallest_retrieval_calls(100_000, rows, responses=30_000, opt_outs=500)

    assert smallest["constant contact: report page"] == 3 + 1 + 1 + 1 + 1
    assert smallest["dataverse: recipient page"] == 20
    assert smallest["dataverse: batch"] == 31
