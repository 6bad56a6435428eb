"""$metadata (CSDL) and EntityDefinitions built from the schema."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest

from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.metadata import (
    attribute_definitions,
    csdl,
    entity_definitions,
)
from pocc.sandbox.dataverse.schema_loader import load_schema

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"
ROOT = "https://localhost:8443/dataverse/contoso/api/data/v9.2/"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture(scope="module")
def schema():
    return load_schema(SOLUTION_DIR)


@pytest.fixture(scope="module")
def document(schema):
    return SafeElementTree.fromstring(csdl(schema))


def _entity_type(document, name: str):
    return next(
        element
        for element in document.iter(f"{EDM}EntityType")
        if element.get("Name") == name
    )


def test_csdl_names_every_entity_set(schema, document) -> None:
    entity_sets = {
        element.get("Name"): element.get("EntityType")
        for element in document.iter(f"{EDM}EntitySet")
    }

    assert entity_sets == {
        table.entity_set: f"mscrm.{table.logical_name}"
        for table in schema.tables.values()
    }


def test_csdl_keys_are_the_primary_ids(schema, document) -> None:
    for table in schema.tables.values():
        key = _entity_type(document, table.logical_name).find(
            f"{EDM}Key/{EDM}PropertyRef"
        )

        assert key.get("Name") == table.primary_id


def test_csdl_lookups_are_value_properties_with_navigation(document) -> None:
    job = _entity_type(document, "pocc_job")
    properties = {p.get("Name"): p.get("Type") for p in job.iter(f"{EDM}Property")}
    navigation = {
        n.get("Name"): n.get("Type") for n in job.iter(f"{EDM}NavigationProperty")
    }

    assert properties["_pocc_campaignid_value"] == "Edm.Guid"
    assert "pocc_campaignid" not in properties
    assert properties["pocc_kind"] == "Edm.Int32"
    assert properties["pocc_startedon"] == "Edm.DateTimeOffset"
    assert navigation["pocc_CampaignId"] == "mscrm.pocc_campaign"
    assert navigation["ownerid"] == "mscrm.systemuser"


def test_csdl_names_every_navigation_property(schema, document) -> None:
    list_type = _entity_type(document, "list")
    navigation = {
        n.get("Name"): n.get("Type") for n in list_type.iter(f"{EDM}NavigationProperty")
    }

    assert navigation["listcontact_association"] == "Collection(mscrm.contact)"
    assert navigation["campaignlist_association"] == "Collection(mscrm.campaign)"
    assert navigation["pocc_job_MarketingListId_list"] == "Collection(mscrm.pocc_job)"

    for relationship in schema.one_to_many.values():
        referencing = _entity_type(document, relationship.referencing_table)
        names = {n.get("Name") for n in referencing.iter(f"{EDM}NavigationProperty")}
        assert relationship.referencing_navigation in names


def test_entity_definitions_list_every_table(schema) -> None:
    body = entity_definitions(schema, ROOT, select=["LogicalName", "EntitySetName"])

    assert body["@odata.context"] == f"{ROOT}$metadata#EntityDefinitions"
    assert {row["LogicalName"]: row["EntitySetName"] for row in body["value"]} == {
        table.logical_name: table.entity_set for table in schema.tables.values()
    }
    assert set(body["value"][0]) == {"MetadataId", "LogicalName", "EntitySetName"}


def test_one_entity_definition_has_names_keys_and_labels(schema) -> None:
    body = entity_definitions(schema, ROOT, "pocc_campaign")

    assert body["@odata.context"] == f"{ROOT}$metadata#EntityDefinitions/$entity"
    assert body["SchemaName"] == "pocc_Campaign"
    assert body["PrimaryIdAttribute"] == "pocc_campaignid"
    assert body["PrimaryNameAttribute"] == "pocc_name"
    assert body["IsCustomEntity"] is True
    assert body["ObjectTypeCode"] >= 10000
    assert (
        body["DisplayName"]["UserLocalizedLabel"]["Label"]
        == "Constant Contact Campaign"
    )
    assert body["Keys"][0]["KeyAttributes"] == ["pocc_ccid"]
    assert entity_definitions(schema, ROOT, "contact")["ObjectTypeCode"] == 2


def test_attributes_report_types_lengths_and_requirement(schema) -> None:
    body = attribute_definitions(schema, ROOT, "pocc_campaign")
    attributes = {row["LogicalName"]: row for row in body["value"]}

    assert attributes["pocc_ccid"]["AttributeType"] == "String"
    assert attributes["pocc_ccid"]["MaxLength"] == 100
    assert attributes["pocc_ccid"]["RequiredLevel"]["Value"] == "ApplicationRequired"
    assert attributes["pocc_campaignid"]["RequiredLevel"]["Value"] == "SystemRequired"
    assert attributes["pocc_sourcecampaignid"]["Targets"] == ["campaign"]
    assert attributes["pocc_campaignstatus"]["@odata.type"] == (
        "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    )


def test_unknown_table_and_unknown_select_are_refused(schema) -> None:
    with pytest.raises(DataverseError) as missing:
        entity_definitions(schema, ROOT, "nosuchtable")

    with pytest.raises(DataverseError) as unknown:
        entity_definitions(schema, ROOT, "contact", select=["NoSuchProperty"])

    assert missing.value.status == 404
    assert unknown.value.status == 400
    assert "NoSuchProperty" in unknown.value.message
