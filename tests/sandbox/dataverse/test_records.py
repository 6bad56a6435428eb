"""Create, retrieve, update, upsert and delete through the real HTTPS sandbox.

Each test states one documented Dataverse behaviour (notes sections 2.7, 2.8, 3) and
checks it with plain `requests` and the admin application's token.
"""

from __future__ import annotations

import uuid

import pytest


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def created_id(response) -> str:
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def test_create_answers_204_with_odata_entity_id_and_the_row_reads_back(sandbox):
    admin = sandbox.admin_session()

    response = admin.post("contacts", json={"firstname": "Ann", "lastname": "Lee"})
    contact_id = created_id(response)
    row = admin.get(f"contacts({contact_id})").json()

    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["OData-EntityId"].endswith(f"/contacts({contact_id})")
    assert row["firstname"] == "Ann"
    assert row["@odata.etag"].startswith('W/"')
    assert row["statecode"] == 0


def test_create_with_return_representation_answers_201_with_the_row(sandbox):
    admin = sandbox.admin_session()

    response = admin.post(
        "contacts?$select=lastname",
        json={"lastname": "Represented"},
        headers={"Prefer": "return=representation"},
    )

    assert response.status_code == 201
    assert response.json()["lastname"] == "Represented"
    assert "return=representation" in response.headers["Preference-Applied"]


def test_update_changes_the_row_and_its_etag_and_delete_removes_it(sandbox):
    admin = sandbox.admin_session()
    contact_id = created_id(admin.post("contacts", json={"lastname": "Before"}))
    before = admin.get(f"contacts({contact_id})").json()["@odata.etag"]

    update = admin.patch(f"contacts({contact_id})", json={"lastname": "After"})
    after = admin.get(f"contacts({contact_id})").json()
    deleted = admin.delete(f"contacts({contact_id})")
    missing = admin.get(f"contacts({contact_id})")

    assert update.status_code == 204
    assert after["lastname"] == "After"
    assert after["@odata.etag"] != before
    assert deleted.status_code == 204
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "0x80040217"


def test_stale_etag_is_refused_with_412_and_leaves_the_row_unchanged(sandbox):
    admin = sandbox.admin_session()
    contact_id = created_id(admin.post("contacts", json={"lastname": "Etag"}))
    stale = admin.get(f"contacts({contact_id})").json()["@odata.etag"]
    admin.patch(f"contacts({contact_id})", json={"lastname": "Moved on"})

    response = admin.patch(
        f"contacts({contact_id})",
        json={"lastname": "Lost"},
        headers={"If-Match": stale},
    )
    current = admin.get(f"contacts({contact_id})").json()
    fresh = admin.patch(
        f"contacts({contact_id})",
        json={"lastname": "Won"},
        headers={"If-Match": current["@odata.etag"]},
    )

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "0x80060882"
    assert current["lastname"] == "Moved on"
    assert fresh.status_code == 204


def test_upsert_by_alternate_key_creates_then_updates(sandbox):
    admin = sandbox.admin_session()
    key = unique("cc")

    first = admin.patch(f"pocc_campaigns(pocc_ccid='{key}')", json={"pocc_name": "One"})
    second = admin.patch(
        f"pocc_campaigns(pocc_ccid='{key}')", json={"pocc_name": "Two"}
    )
    rows = admin.get(f"pocc_campaigns?$filter=pocc_ccid eq '{key}'").json()["value"]

    assert first.status_code == 204
    assert second.status_code == 204
    assert first.headers["OData-EntityId"] == second.headers["OData-EntityId"]
    assert [row["pocc_name"] for row in rows] == ["Two"]


def test_if_none_match_star_refuses_to_update_and_if_match_star_refuses_to_create(
    sandbox,
):
    admin = sandbox.admin_session()
    key = unique("cc")
    url = f"pocc_campaigns(pocc_ccid='{key}')"

    forbidden_create = admin.patch(
        url, json={"pocc_name": "x"}, headers={"If-Match": "*"}
    )
    created = admin.patch(url, json={"pocc_name": "x"}, headers={"If-None-Match": "*"})
    forbidden_update = admin.patch(
        url, json={"pocc_name": "y"}, headers={"If-None-Match": "*"}
    )

    assert forbidden_create.status_code == 404
    assert forbidden_create.json()["error"]["code"] == "0x80040217"
    assert created.status_code == 204
    assert forbidden_update.status_code == 412
    assert admin.get(url).json()["pocc_name"] == "x"


def test_duplicate_alternate_key_on_create_is_refused_with_its_code(sandbox):
    admin = sandbox.admin_session()
    key = unique("dup")
    admin.post("pocc_campaigns", json={"pocc_ccid": key, "pocc_name": "a"})

    response = admin.post("pocc_campaigns", json={"pocc_ccid": key, "pocc_name": "b"})

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "0x80060892"
    assert (
        "requires that this set of attributes contains unique values"
        in (response.json()["error"]["message"])
    )


def test_alternate_keys_compare_without_case_as_dataverse_collation_does(sandbox):
    admin = sandbox.admin_session()
    key = unique("Case")
    admin.post("pocc_campaigns", json={"pocc_ccid": key, "pocc_name": "a"})

    response = admin.post("pocc_campaigns", json={"pocc_ccid": key.upper()})

    assert response.status_code == 412


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"nosuchcolumn": 1}, "0x80048d19", "does not exist on type"),
        ({"lastname": 12}, "0x80048d19", "Edm.String"),
        ({"donotemail": "yes"}, "0x80048d19", "Edm.Boolean"),
        ({"lastname": "x" * 51}, "0x80044331", "exceeded the maximum allowed length"),
    ],
)
def test_bad_bodies_are_refused_with_dataverse_codes(sandbox, body, code, text):
    admin = sandbox.admin_session()

    response = admin.post("contacts", json=body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert text in response.json()["error"]["message"]


def test_columns_not_valid_for_create_are_ignored_as_documented(sandbox):
    admin = sandbox.admin_session()

    contact_id = created_id(
        admin.post(
            "contacts", json={"lastname": "Old", "createdon": "2001-01-01T00:00:00Z"}
        )
    )
    row = admin.get(f"contacts({contact_id})?$select=createdon").json()

    assert not row["createdon"].startswith("2001")


def test_a_status_that_does_not_belong_to_the_state_is_refused(sandbox):
    admin = sandbox.admin_session()
    contact_id = created_id(admin.post("contacts", json={"lastname": "State"}))

    wrong = admin.patch(
        f"contacts({contact_id})", json={"statecode": 0, "statuscode": 2}
    )
    right = admin.patch(f"contacts({contact_id})", json={"statecode": 1})
    row = admin.get(f"contacts({contact_id})?$select=statecode,statuscode").json()

    assert wrong.status_code == 400
    assert (
        "is not a valid status code for state code" in wrong.json()["error"]["message"]
    )
    assert right.status_code == 204
    assert (row["statecode"], row["statuscode"]) == (1, 2)


def test_polymorphic_lookup_binds_by_its_typed_navigation_property(sandbox):
    admin = sandbox.admin_session()
    account_id = created_id(admin.post("accounts", json={"name": unique("Acme")}))

    contact_id = created_id(
        admin.post(
            "contacts",
            json={
                "lastname": "Bound",
                "parentcustomerid_account@odata.bind": f"/accounts({account_id})",
            },
        )
    )
    row = admin.get(f"contacts({contact_id})?$select=_parentcustomerid_value").json()
    cleared = admin.patch(
        f"contacts({contact_id})", json={"parentcustomerid_account@odata.bind": None}
    )
    after = admin.get(f"contacts({contact_id})?$select=_parentcustomerid_value").json()

    assert row["_parentcustomerid_value"] == account_id
    assert cleared.status_code == 204
    assert after["_parentcustomerid_value"] is None


def test_custom_lookup_binds_only_by_its_schema_name_case(sandbox):
    admin = sandbox.admin_session()
    campaign = admin.post("pocc_campaigns", json={"pocc_ccid": unique("c")})
    campaign_id = created_id(campaign)
    target = f"/pocc_campaigns({campaign_id})"

    lower = admin.post(
        "pocc_emaillinks",
        json={"pocc_cclinkid": "1", "pocc_campaignid@odata.bind": target},
    )
    schema_case = admin.post(
        "pocc_emaillinks",
        json={"pocc_cclinkid": "1", "pocc_CampaignId@odata.bind": target},
    )

    assert lower.status_code == 400
    assert lower.json()["error"]["code"] == "0x80048d19"
    assert "undeclared property 'pocc_campaignid'" in lower.json()["error"]["message"]
    assert schema_case.status_code == 204


def test_binding_to_a_missing_row_answers_not_found(sandbox):
    admin = sandbox.admin_session()

    response = admin.post(
        "contacts",
        json={"parentcustomerid_account@odata.bind": f"/accounts({uuid.uuid4()})"},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "0x80040217"


@pytest.mark.parametrize(
    "hostile",
    [
        "O''Brien'); DROP TABLE contact; --",
        "a/b,c=d)(",
        "Zoë 東京 🚀",
        "%27%20OR%201%3D1",
    ],
)
def test_hostile_key_values_and_bodies_are_treated_as_data(sandbox, hostile):
    admin = sandbox.admin_session()
    key = f"{hostile}-{uuid.uuid4().hex[:6]}"
    literal = key.replace("'", "''")

    from urllib.parse import quote

    url = f"pocc_campaigns(pocc_ccid='{quote(literal, safe='')}')"
    created = admin.patch(url, json={"pocc_name": key})
    row = admin.get(url).json()
    contacts = admin.get("contacts?$top=1")

    assert created.status_code == 204, created.text
    assert row["pocc_ccid"] == key
    assert row["pocc_name"] == key
    assert contacts.status_code == 200


def test_cascade_removes_the_link_from_children_when_a_parent_is_deleted(sandbox):
    admin = sandbox.admin_session()
    account_id = created_id(admin.post("accounts", json={"name": unique("Parent")}))
    contact_id = created_id(
        admin.post(
            "contacts",
            json={"parentcustomerid_account@odata.bind": f"accounts({account_id})"},
        )
    )

    admin.delete(f"accounts({account_id})")
    row = admin.get(f"contacts({contact_id})?$select=_parentcustomerid_value")

    assert row.status_code == 200
    assert row.json()["_parentcustomerid_value"] is None
