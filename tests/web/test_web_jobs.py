"""`POST /api/jobs/<org>/<job id>`: statuses, errors a person can act on, CORS."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from pocc.config import Settings
from pocc.dataverse import DataverseClient
from pocc.jobs.job_row import JOBS, JobKindValue, JobStatus


def new_job(client: DataverseClient, status: JobStatus = JobStatus.QUEUED) -> str:
    return client.create(
        JOBS,
        {
            "pocc_name": "Synchronize from the ribbon",
            "pocc_kind": int(JobKindValue.SYNCHRONIZE),
            "pocc_jobstatus": int(status),
        },
    )


def own_origin(settings: Settings) -> str:
    parts = urlsplit(settings.organization("contoso").url)
    return f"{parts.scheme}://{parts.netloc}"


def test_queued_job_is_accepted_and_the_worker_nudged(
    client: FlaskClient, web_admin: DataverseClient, nudges: list
) -> None:
    job_id = new_job(web_admin)

    answer = client.post(f"/api/jobs/contoso/{job_id}")

    assert answer.status_code == 202
    assert answer.json == {
        "id": job_id,
        "organization": "contoso",
        "status": "Queued",
        "message": "The job is queued; a pocc worker will start it shortly.",
    }
    assert nudges == [("contoso", job_id)]


def test_job_id_in_braces_and_upper_case_as_dynamics_gives_it_is_accepted(
    client: FlaskClient, web_admin: DataverseClient, nudges: list
) -> None:
    job_id = new_job(web_admin)

    answer = client.post(f"/api/jobs/contoso/{{{job_id.upper()}}}", json={})

    assert answer.status_code == 202
    assert nudges == [("contoso", job_id)]


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (JobStatus.RUNNING, "Running"),
        (JobStatus.SUCCEEDED, "Succeeded"),
        (JobStatus.CANCELLED, "Cancelled"),
    ],
)
def test_job_that_is_not_queued_is_a_conflict_naming_its_status(
    client: FlaskClient,
    web_admin: DataverseClient,
    nudges: list,
    status: JobStatus,
    label: str,
) -> None:
    job_id = new_job(web_admin, status)

    answer = client.post(f"/api/jobs/contoso/{job_id}")

    assert answer.status_code == 409
    assert answer.json["error"] == "job_not_queued"
    assert answer.json["status"] == label
    assert f"The job is {label}, not Queued" in answer.json["message"]
    assert nudges == []


def test_unknown_job_is_not_found(client: FlaskClient, nudges: list) -> None:
    answer = client.post("/api/jobs/contoso/3f2504e0-4f89-11d3-9a0c-0305e82c3301")

    assert answer.status_code == 404
    assert answer.json["error"] == "job_not_found"
    assert "create the job again" in answer.json["message"]
    assert nudges == []


def test_unknown_organisation_is_not_found(
    client: FlaskClient, web_admin: DataverseClient
) -> None:
    answer = client.post(f"/api/jobs/fabrikam/{new_job(web_admin)}")

    assert answer.status_code == 404
    assert answer.json["error"] == "unknown_organization"
    assert "Target service URL" in answer.json["message"]


@pytest.mark.parametrize("job_id", ["not-a-guid", "1234", "3f2504e0-4f89-11d3-9a0c"])
def test_malformed_job_id_is_a_bad_request(client: FlaskClient, job_id: str) -> None:
    answer = client.post(f"/api/jobs/contoso/{job_id}")

    assert answer.status_code == 400
    assert answer.json["error"] == "malformed_job_id"
    assert "GUID of a pocc_job row" in answer.json["message"]


def test_body_with_unknown_fields_is_refused(
    client: FlaskClient, web_admin: DataverseClient, nudges: list
) -> None:
    answer = client.post(
        f"/api/jobs/contoso/{new_job(web_admin)}", json={"priority": "high"}
    )

    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_body"
    assert "priority" in answer.json["message"]
    assert nudges == []


def test_body_that_is_not_json_is_refused(
    client: FlaskClient, web_admin: DataverseClient
) -> None:
    answer = client.post(
        f"/api/jobs/contoso/{new_job(web_admin)}",
        data="kind=send",
        content_type="application/x-www-form-urlencoded",
    )

    assert answer.status_code == 400
    assert answer.json["error"] == "malformed_body"


def test_get_is_not_allowed_and_says_what_is(client: FlaskClient) -> None:
    answer = client.get("/api/jobs/contoso/3f2504e0-4f89-11d3-9a0c-0305e82c3301")

    assert answer.status_code == 405
    assert "use POST" in answer.json["message"]


def test_cors_preflight_allows_only_the_organisations_own_origin(
    client: FlaskClient, web_settings: Settings
) -> None:
    path = "/api/jobs/contoso/3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    origin = own_origin(web_settings)
    request_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }

    allowed = client.options(path, headers={"Origin": origin, **request_headers})
    refused = client.options(
        path, headers={"Origin": "https://evil.example", **request_headers}
    )

    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.json["error"] == "origin_not_allowed"


def test_post_from_the_own_origin_carries_cors_and_others_are_refused(
    client: FlaskClient,
    web_admin: DataverseClient,
    web_settings: Settings,
    nudges: list,
) -> None:
    origin = own_origin(web_settings)
    job_id = new_job(web_admin)

    refused = client.post(
        f"/api/jobs/contoso/{job_id}", headers={"Origin": "https://evil.example"}
    )
    accepted = client.post(f"/api/jobs/contoso/{job_id}", headers={"Origin": origin})

    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert accepted.status_code == 202
    assert accepted.headers["Access-Control-Allow-Origin"] == origin
    assert accepted.headers["Vary"] == "Origin"
    assert nudges == [("contoso", job_id)]
