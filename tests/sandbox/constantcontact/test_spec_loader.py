"""The conformance harness itself: it reads the spec right and it can fail.

These tests run on the spec and hand-made answers alone (plus a tiny local HTTP server
for the client), so they prove the checks bite before any sandbox answer is judged.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from jsonschema import Draft4Validator

from tests.sandbox.constantcontact.spec import (
    Contract,
    ContractError,
    UnknownOperationError,
    to_json_schema,
)
from tests.sandbox.constantcontact.spec_client import ContractClient
from tests.sandbox.constantcontact.spec_conformance import ContractLedger, check_answer

CONTACT_ID = "6f1e3a3c-0b7e-4d3a-9c11-2f1d5b7a9e10"
JSON = "application/json"


def contact(**changes: Any) -> dict[str, Any]:
    """A contact as GET /contacts/{contact_id} documents it."""
    body = {
        "contact_id": CONTACT_ID,
        "email_address": {
            "address": "ada@example.com",
            "permission_to_send": "implicit",
            "created_at": "2024-03-01T10:00:00.000Z",
            "updated_at": "2024-03-01T10:00:00Z",
            "opt_in_source": "Account",
        },
        "first_name": "Ada",
        "last_name": "Lovelace",
        "create_source": "Account",
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-02T08:30:00+00:00",
        "list_memberships": ["0f7d6a2e-8f5e-11ee-b9d1-0242ac120002"],
    }
    body.update(changes)
    return body


def answer(contract: Contract, method: str, path: str, status: int, body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    check_answer(contract, method, path, status, JSON, raw)


def test_the_spec_is_build_3_0_172_with_base_path_v3(contract: Contract) -> None:
    assert contract.document["info"]["version"] == "3.0.172"
    assert contract.base_path == "/v3"
    assert len(contract.operations) == 128


@pytest.mark.parametrize(
    ("method", "path", "template", "parameters"),
    [
        ("POST", "/contacts/sign_up_form", "/contacts/sign_up_form", {}),
        ("GET", "/contacts/abc", "/contacts/{contact_id}", {"contact_id": "abc"}),
        ("GET", "/contact_lists/list_id_xrefs", "/contact_lists/list_id_xrefs", {}),
        ("PUT", "/emails/activities/a%2Cb", "/emails/activities/{campaign_activity_id}",
         {"campaign_activity_id": "a,b"}),
        ("GET", "/reports/email_reports/x/tracking/clicks?limit=5",
         "/reports/email_reports/{campaign_activity_id}/tracking/clicks",
         {"campaign_activity_id": "x"}),
    ],
)  # fmt: skip
def test_a_concrete_path_matches_the_most_literal_template(
    contract: Contract,
    method: str,
    path: str,
    template: str,
    parameters: dict[str, str],
) -> None:
    operation, found = contract.match(method, path)

    assert operation.template == template
    assert found == parameters


def test_a_path_outside_the_spec_matches_nothing(contract: Contract) -> None:
    with pytest.raises(UnknownOperationError):
        contract.match("GET", "/contacts/abc/def/ghi")

    with pytest.raises(UnknownOperationError):
        contract.match("PATCH", "/contacts")


def test_operations_carry_the_scopes_of_their_security_section(
    contract: Contract,
) -> None:
    assert contract.operation("GET", "/contacts").scopes == {"contact_data"}
    assert contract.operation("GET", "/emails").scopes == {"campaign_data"}
    assert contract.operation("GET", "/account/summary").scopes == {"account_read"}


def test_a_conforming_contact_passes(contract: Contract) -> None:
    answer(contract, "GET", f"/contacts/{CONTACT_ID}", 200, contact())


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"surprise": 1}, "'surprise' was unexpected"),
        ({"first_name": 7}, "is not of type 'string'"),
        ({"job_title": "x" * 51}, "is too long"),
        ({"custom_fields": [{"value": "blue"}]}, "is a required property"),
        ({"list_memberships": [CONTACT_ID] * 51}, "is too long"),
        ({"created_at": "2024-03-01 10:00"}, "is not a 'date-time'"),
        ({"contact_id": "not-a-uuid"}, "is not a 'uuid'"),
        ({"email_address": {"address": "a" * 81 + "@x.com"}}, "is too long"),
    ],
)
def test_a_contact_that_breaks_the_schema_fails_with_a_readable_report(
    contract: Contract, changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ContractError) as failure:
        answer(contract, "GET", f"/contacts/{CONTACT_ID}", 200, contact(**changes))

    report = str(failure.value)
    assert "GET /contacts/{contact_id} answered 200" in report
    assert "ContactResource" in report
    assert complaint in report
    assert "  at $" in report


def test_a_status_the_operation_does_not_document_fails(contract: Contract) -> None:
    # Reference notes section 8, item 10: POST /emails answers 200, not 201.
    body = {"campaign_id": CONTACT_ID, "name": "Spring"}

    with pytest.raises(ContractError, match="does not document"):
        answer(contract, "POST", "/emails", 201, body)


def test_a_204_with_a_body_fails(contract: Contract) -> None:
    with pytest.raises(ContractError, match="204 with a body"):
        answer(contract, "DELETE", f"/contacts/{CONTACT_ID}", 204, {"deleted": True})

    check_answer(contract, "DELETE", f"/contacts/{CONTACT_ID}", 204, "", b"")


def test_most_errors_must_be_an_array_of_error_key_and_message(
    contract: Contract,
) -> None:
    error = {"error_key": "contacts.api.not_found", "error_message": "Not found."}

    answer(contract, "GET", f"/contacts/{CONTACT_ID}", 404, [error])

    for wrong in (error, [], [{"error_key": "x"}], [{**error, "extra": 1}], b"oops"):
        with pytest.raises(ContractError):
            answer(contract, "GET", f"/contacts/{CONTACT_ID}", 404, wrong)


def test_401_and_429_must_be_one_error_object(contract: Contract) -> None:
    throttled = {"error_key": "throttled", "error_message": "Too Many Requests"}

    # GET /contacts does not list 429, yet the global rate limits apply everywhere.
    answer(contract, "GET", "/contacts", 429, throttled)
    answer(
        contract, "GET", "/contacts", 401, {**throttled, "error_key": "unauthorized"}
    )

    with pytest.raises(ContractError, match="one object"):
        answer(contract, "GET", "/contacts", 429, [throttled])


def test_an_unknown_path_may_only_answer_not_found(contract: Contract) -> None:
    not_found = [{"error_key": "not_found", "error_message": "No resource."}]
    answer(contract, "GET", "/no_such_thing", 404, not_found)

    with pytest.raises(UnknownOperationError):
        answer(contract, "GET", "/no_such_thing", 200, {"ok": True})


def test_a_download_needs_content_but_no_json(contract: Contract) -> None:
    path = "/contact_exports/8c077f20-1586-11e4-bcb3-00163e56be7c"
    check_answer(contract, "GET", path, 200, "text/csv", b"email\na@example.com\n")

    with pytest.raises(ContractError, match="no content"):
        check_answer(contract, "GET", path, 200, "text/csv", b"")


def test_json_answers_must_say_they_are_json(contract: Contract) -> None:
    raw = json.dumps(contact()).encode()

    with pytest.raises(ContractError, match="not JSON"):
        check_answer(contract, "GET", f"/contacts/{CONTACT_ID}", 200, "text/html", raw)


def test_x_nullable_admits_null_and_nothing_else_does() -> None:
    nullable = Draft4Validator(
        to_json_schema({"type": "string", "x-nullable": True}, True)
    )
    plain = Draft4Validator(to_json_schema({"type": "string"}, True))

    assert nullable.is_valid(None)
    assert nullable.is_valid("x")
    assert not nullable.is_valid(3)
    assert not plain.is_valid(None)


def test_a_file_schema_accepts_any_content() -> None:
    schema = to_json_schema({"type": "file", "description": "the CSV"}, True)

    assert schema == {}


def test_annotations_are_dropped_but_properties_named_like_them_are_kept() -> None:
    swagger = {
        "type": "object",
        "example": {"type": "x"},
        "x-example": "y",
        "properties": {"type": {"type": "string", "readOnly": True}},
    }

    assert to_json_schema(swagger, strict=True) == {
        "type": "object",
        "properties": {"type": {"type": "string"}},
        "additionalProperties": False,
    }
    assert "additionalProperties" not in to_json_schema(swagger, strict=False)


def test_max_items_zero_is_read_as_no_limit_stated(contract: Contract) -> None:
    # Reference notes section 8, item 4: the spec's remove_list_memberships arrays
    # carry maxItems 0 while their descriptions give 50 lists and 500 contacts.
    raw = contract.definition("ListActivityRemoveContacts")
    assert raw["properties"]["list_ids"]["maxItems"] == 0

    validator = contract.compile_schema(
        {"$ref": "#/definitions/ListActivityRemoveContacts"}
    )
    two_lists = [CONTACT_ID, "0f7d6a2e-8f5e-11ee-b9d1-0242ac120002"]

    assert validator.is_valid(
        {"source": {"list_ids": two_lists}, "list_ids": two_lists}
    )


def test_int32_values_beyond_range_fail(contract: Contract) -> None:
    validator = contract.compile_schema({"type": "integer", "format": "int32"})

    assert validator.is_valid(2**31 - 1)
    assert not validator.is_valid(2**31)


class CannedServer(ThreadingHTTPServer):
    """A local HTTP server that answers every GET with one canned (status, body)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CannedApi)
        self.canned: tuple[int, Any] = (200, {})
        self.seen: list[str | None] = []


class CannedApi(BaseHTTPRequestHandler):
    server: CannedServer

    def do_GET(self) -> None:
        status, body = self.server.canned
        self.server.seen.append(self.headers.get("Authorization"))
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def canned_server() -> Iterator[CannedServer]:
    server = CannedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_client_checks_and_records_each_answer(
    contract: Contract, canned_server: CannedServer
) -> None:
    ledger = ContractLedger()
    api_url = f"http://127.0.0.1:{canned_server.server_port}/constantcontact/v3"
    client = ContractClient(api_url, "", contract, ledger, token="t0ken")

    canned_server.canned = (200, contact())
    response = client.get(f"/constantcontact/v3/contacts/{CONTACT_ID}?include=notes")
    assert response.json()["first_name"] == "Ada"
    assert ledger.success_checked("GET /contacts/{contact_id}")
    assert canned_server.seen == ["Bearer t0ken"]

    canned_server.canned = (200, contact(surprise=True))
    with pytest.raises(ContractError, match="'surprise' was unexpected"):
        client.get(f"/contacts/{CONTACT_ID}")

    assert not ledger.success_checked("GET /contacts")


def test_bad_input_may_be_refused_with_400_even_where_the_spec_omits_it(
    contract: Contract,
) -> None:
    path = f"/contact_lists/{CONTACT_ID}"
    refusal = [{"error_key": "contacts.api.validation.error", "error_message": "x"}]
    assert (
        400
        not in contract.operation("GET", "/contact_lists/{list_id}").documented_statuses
    )

    answer(contract, "GET", path, 400, refusal)

    with pytest.raises(ContractError, match="does not document"):
        answer(contract, "GET", path, 409, refusal)
