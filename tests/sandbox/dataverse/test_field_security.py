"""Secured columns: the solution's field security profile, enforced as Dataverse does.

`pocc_configuration`'s client secret and tokens are IsSecured. pocc's application
user is a member of the *PowerConstantContact Backend* profile, which grants read,
create and update (docs/security.md); System Administrators see every column. Anyone
else reads them as null, may not filter or sort on them (0x8004F504), and is refused
a create (0x8004F502) or an update (0x8004F507) that sets them, each with 403.

The HTTPS tests use the sandbox's two application users. A caller without the
profile is built in-process (no third application exists in the sandbox tenant)
and answered by `dispatch.handle`, the same code the blueprint and `$batch` call.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from pocc.sandbox.context import SandboxClock
from pocc.sandbox.dataverse import dispatch
from pocc.sandbox.dataverse.messages import ApiRequest
from pocc.sandbox.dataverse.model import FieldPermission, FieldSecurityProfile, Role
from pocc.sandbox.dataverse.organization import open_organization
from pocc.sandbox.dataverse.schema_loader import load_schema
from pocc.sandbox.dataverse.security import Caller

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"
API = "https://sandbox.invalid/dataverse/test/api/data/v9.2"
SECRET = "pocc_ccclientsecret"


def test_pocc_app_user_reads_and_updates_the_secured_columns(sandbox) -> None:
    admin, app = sandbox.admin_session(), sandbox.app_session()
    created = admin.post(
        "pocc_configurations",
        json={"pocc_name": f"fs-{uuid.uuid4().hex[:8]}", SECRET: "cipher-1"},
    )
    assert created.status_code == 204, created.text
    location = created.headers["OData-EntityId"]

    as_app = app.get(location, params={"$select": f"pocc_name,{SECRET}"})
    updated = app.patch(location, json={"pocc_accesstoken": "cipher-2"})
    as_admin = admin.get(location, params={"$select": "pocc_accesstoken"})
    filtered = app.get(
        "pocc_configurations",
        params={"$select": "pocc_name", "$filter": f"{SECRET} eq 'cipher-1'"},
    )

    assert as_app.status_code == 200, as_app.text
    assert as_app.json()[SECRET] == "cipher-1"
    assert updated.status_code == 204, updated.text
    assert as_admin.json()["pocc_accesstoken"] == "cipher-2"
    assert filtered.status_code == 200, filtered.text
    assert len(filtered.json()["value"]) == 1


@pytest.fixture(scope="module")
def organization(tmp_path_factory):
    folder = tmp_path_factory.mktemp("field-security")
    return open_organization(
        name="test",
        url="https://sandbox.invalid/dataverse/test",
        schema=load_schema(SOLUTION_DIR),
        data_dir=folder,
        clock=SandboxClock(folder / "clock.json"),
        authority="https://sandbox.invalid/identity/tenant",
        application_users=[],
    )


def caller_with(organization, role_name: str, *profiles) -> Caller:
    role = organization.role_named(role_name)
    return Caller(
        str(uuid.uuid4()), "app", organization.business_unit_id, (role,), profiles
    )


def crm_user(organization) -> Caller:
    """A CRM user: the solution's User role, no field security profile."""
    return caller_with(organization, "PowerConstantContact User")


def system_administrator(organization) -> Caller:
    return caller_with(organization, "System Administrator")


def call(organization, caller, method: str, path: str, body=None, **query):
    request = ApiRequest(
        method=method,
        path=path,
        query={name.replace("_", "$", 1): value for name, value in query.items()},
        headers={},
        body=json.dumps(body).encode() if body is not None else b"",
        url=f"{API}/{path}",
    )
    return dispatch.handle(organization, caller, request)


def payload(answer) -> dict:
    return json.loads(answer.body)


@pytest.fixture(scope="module")
def configuration(organization) -> str:
    answer = call(
        organization,
        system_administrator(organization),
        "POST",
        "pocc_configurations",
        {"pocc_name": "contoso", SECRET: "cipher", "pocc_ccclientid": "client-1"},
    )
    assert answer.status == 204, answer.body
    return answer.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def test_without_the_profile_a_secured_column_reads_as_null(
    organization, configuration
) -> None:
    path = f"pocc_configurations({configuration})"
    one = call(organization, crm_user(organization), "GET", path)
    many = call(
        organization,
        crm_user(organization),
        "GET",
        "pocc_configurations",
        _select=f"pocc_ccclientid,{SECRET}",
    )
    single = call(organization, crm_user(organization), "GET", f"{path}/{SECRET}")
    admin = call(organization, system_administrator(organization), "GET", path)

    assert one.status == 200
    assert payload(one)[SECRET] is None
    assert payload(one)["pocc_ccclientid"] == "client-1"
    assert payload(many)["value"][0][SECRET] is None
    assert payload(single)["value"] is None
    assert payload(admin)[SECRET] == "cipher"


def test_without_the_profile_filtering_or_sorting_on_it_is_refused(
    organization, configuration
) -> None:
    user = crm_user(organization)
    filtered = call(
        organization, user, "GET", "pocc_configurations", _filter=f"{SECRET} ne null"
    )
    sorted_by = call(organization, user, "GET", "pocc_configurations", _orderby=SECRET)
    fetch = (
        '<fetch><entity name="pocc_configuration"><attribute name="pocc_name"/>'
        f'<filter><condition attribute="{SECRET}" operator="not-null"/></filter>'
        "</entity></fetch>"
    )
    fetched = call(organization, user, "GET", "pocc_configurations", fetchXml=fetch)
    literal = call(
        organization,
        user,
        "GET",
        "pocc_configurations",
        _filter=f"pocc_name eq '{SECRET}'",
    )

    for refused in (filtered, sorted_by, fetched):
        assert refused.status == 403
        assert payload(refused)["error"]["code"] == "0x8004F504"

    assert literal.status == 200


def test_fetchxml_answers_mask_the_column_too(organization, configuration) -> None:
    fetch = (
        '<fetch><entity name="pocc_configuration">'
        f'<attribute name="pocc_name"/><attribute name="{SECRET}"/></entity></fetch>'
    )
    answer = call(
        organization,
        crm_user(organization),
        "GET",
        "pocc_configurations",
        fetchXml=fetch,
    )

    assert answer.status == 200, answer.body
    assert payload(answer)["value"][0].get(SECRET) is None
    assert payload(answer)["value"][0]["pocc_name"] == "contoso"


def test_create_or_update_of_it_without_the_grant_is_refused(
    organization, configuration
) -> None:
    role = Role(
        role_id=str(uuid.uuid4()),
        name="Configuration writer",
        privileges={
            "prvCreatepocc_Configuration": "Global",
            "prvReadpocc_Configuration": "Global",
            "prvWritepocc_Configuration": "Global",
        },
    )
    reader_only = FieldSecurityProfile(
        str(uuid.uuid4()),
        "Readers",
        (FieldPermission("pocc_configuration", SECRET, True, False, False),),
    )
    writer = Caller(
        str(uuid.uuid4()), "app", organization.business_unit_id, (role,), (reader_only,)
    )
    path = f"pocc_configurations({configuration})"

    created = call(
        organization,
        writer,
        "POST",
        "pocc_configurations",
        {"pocc_name": "x", SECRET: "s"},
    )
    created_empty = call(
        organization, writer, "POST", "pocc_configurations", {"pocc_name": "y"}
    )
    updated = call(organization, writer, "PATCH", path, {SECRET: "changed"})
    other_column = call(organization, writer, "PATCH", path, {"pocc_lasterror": "e"})
    read = call(organization, writer, "GET", path)

    assert created.status == 403
    assert payload(created)["error"]["code"] == "0x8004F502"
    assert created_empty.status == 204
    assert updated.status == 403
    assert payload(updated)["error"]["code"] == "0x8004F507"
    assert other_column.status == 204
    assert payload(read)[SECRET] == "cipher"
