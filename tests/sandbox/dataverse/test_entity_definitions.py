"""`EntityDefinitions` over HTTPS, with the queries real clients send.

Microsoft's Python SDK resolves a table with
`EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$filter=
LogicalName eq 'account'` and reads picklist labels through a type-cast path with
`$expand=OptionSet($select=Options)`; Microsoft's docs (query-metadata-web-api)
describe `EntityDefinitions(LogicalName='x')`, `(<MetadataId>)`, `/Attributes` and
`/Keys`. Each is asserted here against the real server.
"""

from __future__ import annotations

import defusedxml.ElementTree as SafeElementTree

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
SDK_SELECT = "MetadataId,LogicalName,SchemaName,EntitySetName,PrimaryNameAttribute"


def test_metadata_document_names_entity_sets_and_keys(sandbox) -> None:
    response = sandbox.app_session().get("$metadata")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    document = SafeElementTree.fromstring(response.content)
    sets = {e.get("Name") for e in document.iter(f"{EDM}EntitySet")}
    assert {"contacts", "lists", "pocc_jobs", "pocc_campaigns"} <= sets


def test_collection_select_names_only_those_properties(sandbox) -> None:
    response = sandbox.app_session().get(
        "EntityDefinitions", params={"$select": "LogicalName"}
    )

    assert response.status_code == 200, response.text
    rows = response.json()["value"]
    assert {"contact", "pocc_job", "list"} <= {row["LogicalName"] for row in rows}
    assert all(set(row) == {"MetadataId", "LogicalName"} for row in rows)


def test_filter_on_logical_name_as_microsofts_sdk_sends_it(sandbox) -> None:
    response = sandbox.app_session().get(
        "EntityDefinitions",
        params={
            "$select": "LogicalName,EntitySetName,PrimaryIdAttribute",
            "$filter": "LogicalName eq 'account'",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["value"] == [
        {
            "MetadataId": response.json()["value"][0]["MetadataId"],
            "LogicalName": "account",
            "EntitySetName": "accounts",
            "PrimaryIdAttribute": "accountid",
        }
    ]


def test_filter_with_other_properties_and_logic(sandbox) -> None:
    session = sandbox.app_session()
    custom = session.get(
        "EntityDefinitions",
        params={
            "$select": f"{SDK_SELECT},PrimaryIdAttribute",
            "$filter": "IsCustomEntity eq true and (LogicalName eq 'pocc_job' "
            "or LogicalName eq 'pocc_campaign')",
        },
    )
    user_owned = session.get(
        "EntityDefinitions",
        params={
            "$select": "LogicalName",
            "$filter": "OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes"
            "'UserOwned' and not IsCustomEntity eq true",
        },
    )
    nothing = session.get(
        "EntityDefinitions", params={"$filter": "LogicalName eq 'nosuchtable'"}
    )

    assert sorted(row["LogicalName"] for row in custom.json()["value"]) == [
        "pocc_campaign",
        "pocc_job",
    ]
    assert custom.json()["value"][0]["PrimaryNameAttribute"] == "pocc_name"
    owned = {row["LogicalName"] for row in user_owned.json()["value"]}
    assert "contact" in owned
    assert "pocc_job" not in owned
    assert nothing.status_code == 200
    assert nothing.json()["value"] == []


def test_one_definition_by_logical_name_and_by_metadata_id(sandbox) -> None:
    session = sandbox.app_session()
    by_name = session.get("EntityDefinitions(LogicalName='pocc_campaign')")
    metadata_id = by_name.json()["MetadataId"]
    by_id = session.get(
        f"EntityDefinitions({metadata_id})", params={"$select": "LogicalName"}
    )

    assert by_name.status_code == 200, by_name.text
    assert by_name.json()["SchemaName"] == "pocc_Campaign"
    assert by_name.json()["@odata.context"].endswith(
        "$metadata#EntityDefinitions/$entity"
    )
    assert by_id.status_code == 200, by_id.text
    assert by_id.json()["LogicalName"] == "pocc_campaign"
    assert "SchemaName" not in by_id.json()


def test_expand_attributes_and_keys(sandbox) -> None:
    response = sandbox.app_session().get(
        "EntityDefinitions(LogicalName='pocc_campaign')",
        params={
            "$select": "LogicalName",
            "$expand": "Attributes($select=LogicalName,AttributeType),Keys",
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    attributes = {row["LogicalName"]: row for row in body["Attributes"]}
    assert attributes["pocc_ccid"]["AttributeType"] == "String"
    assert "MaxLength" not in attributes["pocc_ccid"]
    assert body["Keys"][0]["KeyAttributes"] == ["pocc_ccid"]


def test_attributes_collection_one_attribute_and_a_filter(sandbox) -> None:
    session = sandbox.app_session()
    path = "EntityDefinitions(LogicalName='pocc_configuration')/Attributes"
    every = session.get(path)
    one = session.get(f"{path}(LogicalName='pocc_accesstoken')")
    secured = session.get(
        path, params={"$select": "LogicalName", "$filter": "IsSecured eq true"}
    )

    assert every.status_code == 200, every.text
    assert "pocc_accesstoken" in {row["LogicalName"] for row in every.json()["value"]}
    assert one.status_code == 200, one.text
    assert one.json()["IsSecured"] is True
    by_id = session.get(f"{path}({one.json()['MetadataId']})")
    assert by_id.json()["LogicalName"] == "pocc_accesstoken"
    assert sorted(row["LogicalName"] for row in secured.json()["value"]) == [
        "pocc_accesstoken",
        "pocc_ccclientsecret",
        "pocc_refreshtoken",
    ]


def test_picklist_cast_with_option_set_as_microsofts_sdk_reads_labels(sandbox):
    response = sandbox.app_session().get(
        "EntityDefinitions(LogicalName='list')/Attributes/"
        "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
        params={"$select": "LogicalName", "$expand": "OptionSet($select=Options)"},
    )

    assert response.status_code == 200, response.text
    rows = {row["LogicalName"]: row for row in response.json()["value"]}
    assert "listname" not in rows
    options = rows["createdfromcode"]["OptionSet"]["Options"]
    labels = {
        option["Value"]: option["Label"]["LocalizedLabels"][0]["Label"]
        for option in options
    }
    assert labels[2] == "Contact"


def test_keys_collection_and_one_key(sandbox) -> None:
    session = sandbox.app_session()
    keys = session.get("EntityDefinitions(LogicalName='pocc_campaign')/Keys")
    name = keys.json()["value"][0]["LogicalName"]
    one = session.get(
        f"EntityDefinitions(LogicalName='pocc_campaign')/Keys(LogicalName='{name}')"
    )

    assert keys.status_code == 200, keys.text
    assert one.status_code == 200, one.text
    assert one.json()["KeyAttributes"] == ["pocc_ccid"]


def test_unknowns_are_refused_with_dataverses_codes(sandbox) -> None:
    session = sandbox.app_session()
    table = session.get("EntityDefinitions(LogicalName='nosuchtable')")
    column = session.get(
        "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='nosuch')"
    )
    selected = session.get("EntityDefinitions", params={"$select": "NoSuchProperty"})
    filtered = session.get(
        "EntityDefinitions", params={"$filter": "NoSuchProperty eq 'x'"}
    )
    broken = session.get("EntityDefinitions", params={"$filter": "LogicalName eq"})

    assert table.status_code == 404
    assert table.json()["error"]["code"] == "0x80040217"
    assert column.status_code == 404
    assert selected.status_code == 400
    assert selected.json()["error"]["code"] == "0x80060888"
    assert "NoSuchProperty" in selected.json()["error"]["message"]
    assert filtered.json()["error"]["code"] == "0x80060888"
    assert broken.status_code == 400
