"""Requests that break the spec's request schema are refused with 400 and a sensible
error key, for every implemented operation, driven from the spec.

For each operation, a valid request (from `request_baselines`) is first shown to be
accepted; then each break that `request_breaks` derives from the spec is sent on a
fresh valid request, and must be refused with 400, an `error_key` of the validation
family (`contacts.api.validation.error`, ...) and a message that names the field, as
the real API's messages do ("include_membership_count does not have a valid value").
One test per operation reports every break the sandbox let through at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.constantcontact.request_baselines import (
    VALID_REQUESTS,
    Resources,
    ValidRequest,
)
from tests.sandbox.constantcontact.request_breaks import (
    Break,
    body_breaks,
    query_breaks,
)
from tests.sandbox.constantcontact.spec import Contract, Operation, load_contract
from tests.sandbox.constantcontact.spec_client import ContractClient

pytestmark = pytest.mark.reference

BODY_OPERATIONS = sorted(f"{method} {template}" for method, template in VALID_REQUESTS)


def query_operations() -> list[str]:
    contract = load_contract()
    return sorted(
        operation.key
        for operation in contract.operations.values()
        if query_breaks(operation) and operation.template.startswith(IN_SCOPE)
    )


# The areas issue 3 asks the sandbox to implement; the rest of the spec is out of scope.
IN_SCOPE = (
    "/account/summary",
    "/account/emails",
    "/contacts",
    "/contact_lists",
    "/contact_custom_fields",
    "/activities",
    "/emails",
    "/reports/stats/",
    "/reports/email_reports/",
)


def implemented_or_skip(key: str, cc_operations: list[dict[str, str]]) -> None:
    if key not in {f"{op['method']} {op['path']}" for op in cc_operations}:
        pytest.skip(f"the sandbox does not implement {key} (yet)")


def send(
    api: ContractClient,
    operation: Operation,
    request: ValidRequest,
    body: Any = None,
    query: dict[str, str] | None = None,
) -> Any:
    path = operation.template.format(**request.path_params)
    sent_body = request.body if body is None else body
    json_body = {"json": sent_body} if operation.body_schema is not None else {}
    return api.request(operation.method, path, params=query, **json_body)


def refusal_problem(response: Any, broken: Break) -> str | None:
    """Why a refusal is not the sensible 400, or None when it is."""
    if response.status_code != 400:
        return f"answered {response.status_code}: {response.text[:160]}"

    error = response.json()[0]

    if "validation" not in error["error_key"].split("."):
        return f"error_key {error['error_key']!r} is not of the validation family"

    if not any(name in error["error_message"] for name in broken.names):
        return f"message {error['error_message']!r} names none of {broken.names}"

    return None


@pytest.mark.parametrize("key", BODY_OPERATIONS)
def test_bodies_that_break_the_spec_are_refused(
    key: str,
    cc_api: ContractClient,
    cc_operations: list[dict[str, str]],
    contract: Contract,
) -> None:
    implemented_or_skip(key, cc_operations)
    operation = contract.operation(*key.split(" ", 1))
    schema = operation.body_schema
    assert schema is not None
    resources = Resources(cc_api)
    make_valid = VALID_REQUESTS[(operation.method, operation.template)]

    valid = make_valid(resources)
    accepted = send(cc_api, operation, valid)
    assert 200 <= accepted.status_code < 300, f"the valid request: {accepted.text}"

    if valid.undo:
        valid.undo()

    problems = []

    for index, label in enumerate(
        b.label for b in body_breaks(contract, schema, valid.body)
    ):
        fresh = make_valid(resources)
        broken = body_breaks(contract, schema, fresh.body)[index]
        assert broken.label == label
        problem = refusal_problem(
            send(cc_api, operation, fresh, body=broken.body), broken
        )

        if problem:
            problems.append(f"  {broken.label}: {problem}")

    assert not problems, f"{key} let spec breaks through:\n" + "\n".join(problems)


@pytest.mark.parametrize("key", query_operations())
def test_query_parameters_that_break_the_spec_are_refused(
    key: str,
    cc_api: ContractClient,
    cc_operations: list[dict[str, str]],
    contract: Contract,
) -> None:
    implemented_or_skip(key, cc_operations)
    operation = contract.operation(*key.split(" ", 1))
    resources = Resources(cc_api)
    names = [p["name"] for p in operation.parameters if p["in"] == "path"]
    request = ValidRequest({name: resources.path_value(name) for name in names})

    accepted = send(cc_api, operation, request, query={})
    assert accepted.status_code == 200, f"the plain request: {accepted.text}"

    problems = []

    for broken in query_breaks(operation):
        response = send(cc_api, operation, request, query=broken.query)
        problem = refusal_problem(response, broken)

        if problem:
            problems.append(f"  {broken.label} = {broken.query}: {problem}")

    assert not problems, f"{key} let spec breaks through:\n" + "\n".join(problems)


def test_every_implemented_operation_with_a_body_has_a_valid_request(
    cc_operations: list[dict[str, str]], contract: Contract
) -> None:
    missing = [
        f"{op['method']} {op['path']}"
        for op in cc_operations
        if contract.operation(op["method"], op["path"]).body_schema is not None
        and (op["method"], op["path"]) not in VALID_REQUESTS
    ]

    assert not missing, "add a valid request to request_baselines.VALID_REQUESTS:\n" + (
        "\n".join(missing)
    )


def test_the_generator_breaks_each_constraint_the_spec_states(
    contract: Contract,
) -> None:
    schema = {"$ref": "#/definitions/ContactCreateOrUpdateInput"}
    valid = {
        "email_address": "ada@example.com",
        "list_memberships": ["0f7d6a2e-8f5e-11ee-b9d1-0242ac120002"],
        "street_address": {"kind": "home", "city": "Bath"},
    }

    labels = {b.label for b in body_breaks(contract, schema, valid)}

    assert labels == {
        "missing required (list_memberships)",
        "missing required (street_address.kind)",
        "wrong type (email_address)",
        "too long (email_address)",
        "wrong type (list_memberships)",
        "too many items (list_memberships)",
        "too few items (list_memberships)",
        "wrong type (list_memberships.[0])",
        "wrong type (street_address)",
        "wrong type (street_address.kind)",
        "wrong type (street_address.city)",
        "too long (street_address.city)",
    }
    too_long = next(
        b for b in body_breaks(contract, schema, valid) if b.kind == "too long"
    )
    assert len(too_long.body["email_address"]) == 51
    assert too_long.body["email_address"].endswith("@example.com")


def test_the_generator_reads_string_maximums_as_counts_or_numbers(
    contract: Contract,
) -> None:
    # The spec puts `maximum` on strings in two senses: GET /contacts `lists` (at
    # most 25 ids) and the tracking reports' `limit`, a number typed as a string.
    contacts = {
        b.label: b for b in query_breaks(contract.operation("GET", "/contacts"))
    }
    tracking = contract.operation(
        "GET", "/reports/email_reports/{campaign_activity_id}/tracking/sends"
    )
    limits = {b.label: b.query["limit"] for b in query_breaks(tracking)}

    assert len(contacts["too many values (lists)"].query["lists"].split(",")) == 26
    assert contacts["above maximum (limit)"].query == {"limit": "501"}
    assert limits == {
        "not a number (limit)": "many",
        "below minimum (limit)": "0",
        "above maximum (limit)": "501",
    }
