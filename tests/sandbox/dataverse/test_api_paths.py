"""OData resource paths and keys, parsed as Dataverse reads them (notes 2.8, 2.9)."""

from __future__ import annotations

import pytest

from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.paths import parse_path, parse_segment, relative_reference

GUID = "5a1b2c3d-0000-4000-8000-00000000abcd"


def test_an_entity_set_with_a_guid_key_and_a_ref_segment():
    segments = parse_path(
        f"lists({GUID.upper()})/listcontact_association/$ref"
    ).segments

    assert [segment.name for segment in segments] == [
        "lists",
        "listcontact_association",
        "$ref",
    ]
    assert segments[0].key == GUID


def test_alternate_keys_keep_quotes_slashes_and_commas_as_data():
    segment = parse_segment("pocc_emaillinks(pocc_cclinkid='a''b/c,d)',pocc_x=12)")

    assert segment.key == {"pocc_cclinkid": "a'b/c,d)", "pocc_x": 12}


def test_a_slash_inside_a_quoted_key_does_not_split_the_path():
    segments = parse_path("pocc_campaigns(pocc_ccid='x/y')/pocc_name").segments

    assert [segment.name for segment in segments] == ["pocc_campaigns", "pocc_name"]
    assert segments[0].key == {"pocc_ccid": "x/y"}


def test_bound_operations_are_recognised_by_their_namespace():
    segments = parse_path(
        f"lists({GUID})/Microsoft.Dynamics.CRM.AddMemberList"
    ).segments

    assert segments[1].operation == "AddMemberList"


@pytest.mark.parametrize(
    "bad", ["contacts('unclosed)", "contacts(name='a'b')", "x(a=)"]
)
def test_malformed_keys_are_refused_as_query_syntax(bad):
    with pytest.raises(DataverseError) as refused:
        parse_path(bad)

    assert refused.value.code == "0x8006088a"


@pytest.mark.parametrize(
    "reference",
    [
        f"https://org.example/api/data/v9.2/contacts({GUID})",
        f"/api/data/v9.2/contacts({GUID})",
        f"/contacts({GUID})",
        f"contacts({GUID})",
    ],
)
def test_entity_references_are_read_relative_to_the_service_root(reference):
    assert relative_reference(reference) == f"contacts({GUID})"


def test_an_unknown_entity_set_answers_resource_not_found(sandbox):
    response = sandbox.admin_session().get("nosuchthings")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "0x8006088a"
    assert "nosuchthings" in response.json()["error"]["message"]


def test_count_segment_answers_a_plain_number(sandbox):
    response = sandbox.admin_session().get("systemusers/$count")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert int(response.text) >= 2


def test_a_single_column_reads_as_a_value(sandbox):
    admin = sandbox.admin_session()
    created = admin.post("contacts", json={"lastname": "Valued"})
    url = created.headers["OData-EntityId"]

    response = admin.get(f"{url}/lastname")

    assert response.json()["value"] == "Valued"


def test_every_answer_declares_odata_version_4(sandbox):
    admin = sandbox.admin_session()

    answers = [admin.get("WhoAmI"), admin.get("nosuchthings")]

    assert all(answer.headers["OData-Version"] == "4.0" for answer in answers)
