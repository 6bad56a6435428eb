"""Who may call, and what: bearer challenge, application users and privileges."""

from __future__ import annotations

import uuid

import requests


def test_a_request_without_a_token_gets_the_bearer_challenge_naming_the_tenant(sandbox):
    response = sandbox.http().get(sandbox.web_api_url() + "contacts")
    challenge = response.headers["WWW-Authenticate"]
    tenant = sandbox.identity["tenant_id"]

    assert response.status_code == 401
    assert challenge.startswith("Bearer authorization_uri=")
    assert f"/identity/{tenant}/oauth2/authorize" in challenge
    assert f"resource_id={sandbox.org_url}/" in challenge


def test_a_forged_token_gets_the_same_challenge(sandbox):
    headers = {"Authorization": "Bearer not.a.token"}

    response = sandbox.http().get(sandbox.web_api_url() + "WhoAmI", headers=headers)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_whoami_names_the_application_user_of_each_app(sandbox):
    app_user = sandbox.app_session().get("WhoAmI").json()
    admin_user = sandbox.admin_session().get("WhoAmI").json()

    assert app_user["UserId"] != admin_user["UserId"]
    assert app_user["OrganizationId"] == admin_user["OrganizationId"]
    assert uuid.UUID(app_user["BusinessUnitId"])


def test_the_app_user_role_may_not_delete_contacts_and_the_refusal_names_it(sandbox):
    admin = sandbox.admin_session()
    created = admin.post("contacts", json={"lastname": "Keep me"})
    contact_url = created.headers["OData-EntityId"]

    response = sandbox.app_session().delete(contact_url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "0x80040220"
    assert "prvDeleteContact" in response.json()["error"]["message"]
    assert admin.get(contact_url).status_code == 200


def test_the_app_user_role_may_do_what_pocc_needs(sandbox):
    app = sandbox.app_session()

    job = app.post("pocc_jobs", json={})
    contacts = app.get("contacts?$top=1")

    assert job.status_code == 204, job.text
    assert contacts.status_code == 200


def test_binding_a_lookup_needs_append_to_on_the_target(sandbox):
    admin = sandbox.admin_session()
    parent = admin.post("contacts", json={"lastname": "Parent"}).headers[
        "OData-EntityId"
    ]
    parent_path = parent.split("/api/data/v9.2/", 1)[1]

    response = sandbox.app_session().post(
        "contacts", json={"parentcustomerid_contact@odata.bind": parent_path}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "0x80040220"
    assert "prvCreateContact" in response.json()["error"]["message"]


def test_a_token_for_another_org_is_refused(sandbox):
    token = sandbox.token("admin")
    other = sandbox.base_url + "/dataverse/nosuchorg/api/data/v9.2/WhoAmI"

    response = requests.get(
        other,
        headers={"Authorization": f"Bearer {token}"},
        verify=str(sandbox.ca_bundle),
        timeout=10,
    )

    assert response.status_code == 404
