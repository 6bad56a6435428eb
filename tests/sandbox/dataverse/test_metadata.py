"""$metadata (CSDL) and EntityDefinitions built from the schema."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
import pytest

from pocc.sandbox.dataverse import entity_metadata
from pocc.sandbox.dataverse.metadata import csdl
from pocc.sandbox.dataverse.schema_loader import load_schema

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"
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


def test_one_entity_definition_has_names_and_labels(schema) -> None:
    table = schema.tables["pocc_campaign"]
    body = entity_metadata.entity(table, schema)

    assert body["SchemaName"] == "pocc_Campaign"
    assert body["PrimaryIdAttribute"] == "pocc_campaignid"
    assert body["PrimaryNameAttribute"] == "pocc_name"
    assert body["IsCustomEntity"] is True
    assert body["ObjectTypeCode"] >= 10000
    assert (
        body["DisplayName"]["UserLocalizedLabel"]["Label"]
        == "Constant Contact Campaign"
    )
    assert entity_metadata.keys(table)[0]["KeyAttributes"] == ["pocc_ccid"]
    assert (
        entity_metadata.entity(schema.tables["contact"], schema)["ObjectTypeCode"] == 2
    )


def test_attributes_report_types_lengths_and_requirement(schema) -> None:
    table = schema.tables["pocc_campaign"]
    attributes = {
        name: entity_metadata.attribute(table, column)
        for name, column in table.columns.items()
    }

    assert attributes["pocc_ccid"]["AttributeType"] == "String"
    assert attributes["pocc_ccid"]["MaxLength"] == 100
    assert attributes["pocc_ccid"]["RequiredLevel"]["Value"] == "ApplicationRequired"
    assert attributes["pocc_campaignid"]["RequiredLevel"]["Value"] == "SystemRequired"
    assert attributes["ownerid"]["RequiredLevel"]["Value"] == "SystemRequired"
    assert attributes["pocc_sourcecampaignid"]["Targets"] == ["campaign"]
    assert attributes["pocc_campaignstatus"]["@odata.type"] == (
        "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
    )


def test_list_columns_keep_their_real_requirement_levels(schema) -> None:
    columns = schema.tables["list"].columns

    assert columns["listname"].required_level == "SystemRequired"
    assert columns["createdfromcode"].required_level == "SystemRequired"
    assert schema.tables["account"].columns["name"].required_level == (
        "ApplicationRequired"
    )
