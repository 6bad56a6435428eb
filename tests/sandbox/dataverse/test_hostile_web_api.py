"""Hostile and oversized requests over HTTPS get Dataverse's 4xx answers, never a 500.

A sandbox that crashes (or, worse, accepts) where Dataverse refuses hides client bugs
until production. Each case below once answered 500 or was silently accepted.
Documented limits used here: a Web API URL holds at most 32,768 characters, and a
request inside a `$batch` body up to 65,536 (Microsoft Learn, "Compose HTTP requests
and handle errors", Maximum URL length); OData's URI parser refuses expressions
nested past its recursion limit ("The recursion limit has been exceeded."): 800
levels there, 100 in the sandbox, whose parsers recurse in Python and SQLite.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from tests.sandbox.dataverse.test_batch import request_part, send
from tests.sandbox_process import SandboxProcess

PAYLOAD_ERROR = "0x80048d19"
QUERY_OPTION_ERROR = "0x80060888"
QUERY_SYNTAX = "0x8006088a"
HUGE_NUMBER = "9" * 5000


def error_of(answer) -> dict:
    assert answer.headers["Content-Type"].startswith("application/json"), answer.text
    return answer.json()["error"]


def make_contacts(sandbox: SandboxProcess, count: int) -> list[str]:
    tag = uuid.uuid4().hex[:12]
    session = sandbox.admin_session()
    names = [f"{tag}-{number}" for number in range(count)]

    for name in names:
        assert session.post("contacts", json={"lastname": name}).status_code == 204

    return names


def lastnames(answer) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {row["lastname"] for row in answer.json()["value"]}


def count_named(sandbox: SandboxProcess, name: str) -> int:
    answer = sandbox.admin_session().get(
        "contacts", params={"$filter": f"lastname eq '{name}'", "$select": "lastname"}
    )
    assert answer.status_code == 200, answer.text
    return len(answer.json()["value"])


def test_a_key_that_is_a_bare_number_is_a_syntax_error(sandbox: SandboxProcess):
    answer = sandbox.admin_session().get("contacts(1)")

    assert answer.status_code == 400
    assert error_of(answer)["code"] == QUERY_SYNTAX


def test_a_filter_of_700_ors_answers_with_the_matching_rows(sandbox: SandboxProcess):
    # Clients build long `or` chains from id lists; this one once answered 500.
    wanted = make_contacts(sandbox, 2)
    terms = [f"lastname eq '{name}'" for name in wanted]
    terms += [f"lastname eq 'x{number}'" for number in range(698)]

    answer = sandbox.admin_session().get(
        "contacts", params={"$filter": " or ".join(terms), "$select": "lastname"}
    )

    assert lastnames(answer) == set(wanted)


def test_a_filter_of_1500_ors_in_a_batch_answers_with_the_matching_row(
    sandbox: SandboxProcess,
):
    # Past 1,000 terms a plain chain is deeper than SQLite's expression limit.
    wanted = make_contacts(sandbox, 1)[0]
    terms = [f"lastname eq '{wanted}'"] + [f"lastname eq 'x{n}'" for n in range(1499)]
    query = quote("$select=lastname&$filter=" + " or ".join(terms), safe="$&='")

    answer = send(sandbox, [request_part("GET", f"contacts?{query}")])

    assert answer.status_code == 200
    assert "HTTP/1.1 200 OK" in answer.text
    assert wanted in answer.text


def test_a_right_nested_chain_of_ands_and_ors_is_answered(sandbox: SandboxProcess):
    wanted = make_contacts(sandbox, 1)[0]
    chain = f"lastname eq '{wanted}'"

    for number in range(45):
        chain = f"(lastname eq 'y{number}' or ({chain}))"

    answer = sandbox.admin_session().get(
        "contacts", params={"$filter": chain, "$select": "lastname"}
    )

    assert lastnames(answer) == {wanted}


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 400 + "lastname eq 'a'" + ")" * 400,
        "not " * 400 + "lastname eq 'a'",
        "(lastname eq 'a' and " * 200 + "lastname eq 'b'" + ")" * 200,
    ],
    ids=["parentheses", "not", "alternating"],
)
def test_a_filter_nested_too_deep_is_refused(sandbox: SandboxProcess, expression):
    answer = sandbox.admin_session().get("contacts", params={"$filter": expression})

    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": QUERY_OPTION_ERROR,
        "message": "The recursion limit has been exceeded.",
    }


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("contacts", {"$filter": "statecode eq 99999999999999999999999"}),
        ("contacts", {"$filter": f"statecode eq {HUGE_NUMBER}"}),
        (
            "contacts",
            {
                "$filter": "Microsoft.Dynamics.CRM.In(PropertyName='statecode',"
                "PropertyValues=['99999999999999999999999'])"
            },
        ),
        (f"contacts({HUGE_NUMBER})", {}),
        ("contacts", {"$top": HUGE_NUMBER}),
        (
            "contacts",
            {
                "fetchXml": f"<fetch count='{HUGE_NUMBER}'><entity name='contact'/>"
                "</fetch>"
            },
        ),
    ],
    ids=["int64-overflow", "5000-digits", "in-list", "key", "top", "fetch-count"],
)
def test_numbers_too_big_for_their_type_are_refused(
    sandbox: SandboxProcess, path, params
):
    answer = sandbox.admin_session().get(path, params=params)

    assert answer.status_code == 400, answer.text
    assert error_of(answer)["code"].startswith("0x")


def test_deeply_nested_fetchxml_filters_are_refused_not_crashed(
    sandbox: SandboxProcess,
):
    filters = "<filter>" * 500 + "</filter>" * 500
    fetch = f"<fetch><entity name='contact'>{filters}</entity></fetch>"

    answer = sandbox.admin_session().get("contacts", params={"fetchXml": fetch})

    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize(
    "template",
    [
        '{"lastname": "NAME", "a": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"lastname": "NAME", "firstname": "\\ud800"}',
        '{"lastname": "NAME", "firstname": "a", "firstname": "b"}',
    ],
    ids=["nested-5000-deep", "lone-surrogate", "duplicate-property"],
)
def test_bodies_json_cannot_carry_are_refused_and_write_nothing(
    sandbox: SandboxProcess, template
):
    name = uuid.uuid4().hex
    body = template.replace("NAME", name).encode()

    answer = sandbox.admin_session().post(
        "contacts", data=body, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 400, answer.text
    assert error_of(answer)["code"] == PAYLOAD_ERROR
    assert count_named(sandbox, name) == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("statecode", "x"),
        ("statecode", 1.5),
        ("statecode", True),
        ("statecode", 2**40),
        ("createdon", 5),
    ],
)
def test_a_read_only_column_still_has_its_type_checked(
    sandbox: SandboxProcess, column, value
):
    # The OData layer reads every property before the platform ignores the ones that
    # are not valid for create, so a value of the wrong type is refused first.
    name = uuid.uuid4().hex

    answer = sandbox.admin_session().post(
        "contacts", json={"lastname": name, column: value}
    )

    assert answer.status_code == 400, answer.text
    assert error_of(answer)["code"] == PAYLOAD_ERROR
    assert count_named(sandbox, name) == 0


def test_a_url_over_32_kb_is_refused_but_fits_in_a_batch(sandbox: SandboxProcess):
    wanted = make_contacts(sandbox, 1)[0]
    terms = [f"lastname eq '{wanted}'"] + [f"lastname eq 'z{n}'" for n in range(1700)]
    query = quote("$select=lastname&$filter=" + " or ".join(terms), safe="$&='")
    assert 32_768 < len(sandbox.web_api_url() + "contacts?" + query) < 65_536

    direct = sandbox.admin_session().get(f"contacts?{query}")
    batched = send(sandbox, [request_part("GET", f"contacts?{query}")])

    assert direct.status_code == 414
    assert error_of(direct)["message"] == "Invalid URI: The Uri string is too long."
    assert batched.status_code == 200
    assert wanted in batched.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "$top=1&$top=2",
            "Query option '$top' was specified more than once, but it must be "
            "specified at most once.",
        ),
        ("$count=maybe", "'maybe' is not a valid count option."),
    ],
    ids=["repeated-option", "count-not-boolean"],
)
def test_ambiguous_query_options_are_refused(sandbox: SandboxProcess, query, message):
    answer = sandbox.admin_session().get(f"contacts?{query}")

    assert answer.status_code == 400
    assert error_of(answer) == {"code": QUERY_OPTION_ERROR, "message": message}
