"""`$batch`: atomic change sets, Content-ID references, continue-on-error."""

from __future__ import annotations

import json
import uuid

import pytest


def request_part(
    method: str, url: str, body: dict | None = None, content_id=None
) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]

    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")

    lines += [
        "",
        f"{method} {url} HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "",
    ]
    lines.append(json.dumps(body) if body is not None else "")
    return "\r\n".join(lines)


def batch_body(boundary: str, parts: list[str]) -> str:
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return body + f"--{boundary}--\r\n"


def change_set(parts: list[str]) -> str:
    boundary = f"changeset_{uuid.uuid4().hex}"
    inner = batch_body(boundary, parts)
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n{inner}"


def send(sandbox, parts: list[str], prefer: str | None = None):
    boundary = f"batch_{uuid.uuid4().hex}"
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}

    if prefer:
        headers["Prefer"] = prefer

    return sandbox.admin_session().post(
        "$batch", data=batch_body(boundary, parts).encode(), headers=headers
    )


def count_named(sandbox, lastname: str) -> int:
    url = f"contacts?$filter=lastname eq '{lastname}'&$select=contactid"
    return len(sandbox.admin_session().get(url).json()["value"])


def api_path(sandbox) -> str:
    return sandbox.web_api_url().split(sandbox.base_url, 1)[1]


def test_a_failing_change_set_leaves_nothing_behind(sandbox):
    name = f"Atomic {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        change_set(
            [
                request_part("POST", f"{base}contacts", {"lastname": name}, 1),
                request_part("POST", f"{base}contacts", {"lastname": name}, 2),
                request_part("POST", f"{base}contacts", {"nosuchcolumn": 1}, 3),
            ]
        )
    ]

    response = send(sandbox, parts)

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("multipart/mixed")
    assert "0x80048d19" in response.text
    assert count_named(sandbox, name) == 0


def test_a_successful_change_set_answers_each_request_with_its_content_id(sandbox):
    name = f"Together {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        change_set(
            [
                request_part("POST", f"{base}contacts", {"lastname": name}, 1),
                request_part("POST", f"{base}contacts", {"lastname": name}, 2),
            ]
        )
    ]

    response = send(sandbox, parts)

    assert response.status_code == 200
    assert "changesetresponse_" in response.text
    assert response.text.count("HTTP/1.1 204 No Content") == 2
    assert "Content-ID: 2" in response.text
    assert "OData-EntityId: " in response.text
    assert count_named(sandbox, name) == 2


def test_content_id_references_work_in_the_url_and_in_a_bind(sandbox):
    name = f"Referenced {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        change_set(
            [
                request_part("POST", f"{base}accounts", {"name": name}, 1),
                request_part(
                    "POST",
                    f"{base}contacts",
                    {"lastname": name, "parentcustomerid_account@odata.bind": "$1"},
                    2,
                ),
                request_part("PATCH", "$2", {"firstname": "Patched"}, 3),
            ]
        )
    ]

    response = send(sandbox, parts)
    rows = (
        sandbox.admin_session()
        .get(
            f"contacts?$filter=lastname eq '{name}'"
            "&$select=firstname,_parentcustomerid_value"
        )
        .json()["value"]
    )

    assert response.status_code == 200, response.text
    assert len(rows) == 1
    assert rows[0]["firstname"] == "Patched"
    assert rows[0]["_parentcustomerid_value"] is not None


def test_an_undeclared_content_id_fails_its_change_set(sandbox):
    base = api_path(sandbox)
    parts = [change_set([request_part("PATCH", f"{base}$9", {"firstname": "x"}, 1)])]

    response = send(sandbox, parts)

    assert response.status_code == 400
    assert "does not exist in the batch context" in response.text


def test_without_continue_on_error_the_batch_stops_at_the_first_failure(sandbox):
    name = f"Stops {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        request_part("POST", f"{base}contacts", {"nosuchcolumn": 1}),
        request_part("POST", f"{base}contacts", {"lastname": name}),
    ]

    response = send(sandbox, parts)

    assert response.status_code == 400
    assert count_named(sandbox, name) == 0


def test_with_continue_on_error_every_request_runs_and_answers(sandbox):
    name = f"Continues {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        request_part("POST", f"{base}contacts", {"nosuchcolumn": 1}),
        request_part("POST", f"{base}contacts", {"lastname": name}),
        request_part("GET", f"{base}contacts?$top=1&$select=lastname"),
    ]

    response = send(sandbox, parts, prefer="odata.continue-on-error")

    assert response.status_code == 200
    assert "HTTP/1.1 400 Bad Request" in response.text
    assert "HTTP/1.1 200 OK" in response.text
    assert response.headers["Preference-Applied"] == "odata.continue-on-error"
    assert count_named(sandbox, name) == 1


def test_more_than_a_thousand_requests_are_refused(sandbox):
    base = api_path(sandbox)
    parts = [request_part("GET", f"{base}WhoAmI") for _ in range(1001)]

    response = send(sandbox, parts)

    assert response.status_code == 400
    assert "maximum number of '1000'" in response.text


def test_a_content_id_used_twice_in_a_change_set_is_refused(sandbox):
    # OData requires Content-IDs to be unique within a change set; otherwise `$1`
    # would name whichever row the sandbox happened to keep.
    name = f"Twice {uuid.uuid4().hex[:8]}"
    base = api_path(sandbox)
    parts = [
        change_set(
            [
                request_part("POST", f"{base}contacts", {"lastname": name}, 1),
                request_part("POST", f"{base}contacts", {"lastname": name}, 1),
            ]
        )
    ]

    response = send(sandbox, parts)

    assert response.status_code == 400
    assert "The content ID '1' was found more than once" in response.text
    assert count_named(sandbox, name) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"no delimiter at all",
        b"--other\r\nContent-Type: application/http\r\n\r\nGET WhoAmI HTTP/1.1\r\n\r\n"
        b"--other--\r\n",
    ],
    ids=["empty", "no-delimiter", "other-boundary"],
)
def test_a_body_without_its_boundary_is_refused(sandbox, body):
    headers = {"Content-Type": "multipart/mixed; boundary=batch_declared"}

    response = sandbox.admin_session().post("$batch", data=body, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The batch request body")


def test_a_body_without_its_closing_delimiter_runs_nothing(sandbox):
    name = f"Unclosed {uuid.uuid4().hex[:8]}"
    part = request_part("POST", f"{api_path(sandbox)}contacts", {"lastname": name})
    body = f"--batch_open\r\n{part}\r\n".encode()
    headers = {"Content-Type": "multipart/mixed; boundary=batch_open"}

    response = sandbox.admin_session().post("$batch", data=body, headers=headers)

    assert response.status_code == 400
    assert count_named(sandbox, name) == 0
