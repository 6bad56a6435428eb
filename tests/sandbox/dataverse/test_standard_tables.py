"""The standard tables pocc uses, with Dataverse's real names and choice values."""

from __future__ import annotations

import pytest

from pocc.sandbox.dataverse.model import AttributeType
from pocc.sandbox.dataverse.standard_tables import (
    SYSTEM_ADMINISTRATOR_ROLE_ID,
    load_standard_tables,
)


@pytest.fixture(scope="module")
def schema():
    return load_standard_tables()


def _choices(schema, table: str, column: str) -> dict[int, str]:
    return {c.value: c.label for c in schema.tables[table].columns[column].choices}


def test_entity_sets_are_the_real_ones(schema) -> None:
    entity_sets = {name: table.entity_set for name, table in schema.tables.items()}

    assert entity_sets == {
        "contact": "contacts",
        "lead": "leads",
        "account": "accounts",
        "list": "lists",
        "listmember": "listmembers",
        "campaign": "campaigns",
        "campaignitem": "campaignitems",
        "campaignresponse": "campaignresponses",
        "activityparty": "activityparties",
        "systemuser": "systemusers",
        "businessunit": "businessunits",
        "team": "teams",
        "organization": "organizations",
        "webresource": "webresourceset",
        "solution": "solutions",
    }


def test_opt_out_flags_are_booleans_on_every_member_table(schema) -> None:
    for table in ("contact", "lead", "account"):
        columns = schema.tables[table].columns

        assert columns["donotemail"].type is AttributeType.BOOLEAN
        assert columns["donotbulkemail"].type is AttributeType.BOOLEAN
        assert columns["emailaddress1"].max_length == 100


def test_lead_states_and_statuses(schema) -> None:
    assert _choices(schema, "lead", "statecode") == {
        0: "Open",
        1: "Qualified",
        2: "Disqualified",
    }
    statuses = {
        c.value: c.state for c in schema.tables["lead"].columns["statuscode"].choices
    }
    assert statuses == {1: 0, 2: 0, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2}


def test_marketing_list_type_and_member_table(schema) -> None:
    columns = schema.tables["list"].columns

    assert columns["type"].type is AttributeType.BOOLEAN
    assert _choices(schema, "list", "type") == {1: "Dynamic", 0: "Static"}
    assert _choices(schema, "list", "createdfromcode") == {
        1: "Account",
        2: "Contact",
        4: "Lead",
    }
    assert not columns["membercount"].valid_for_create
    assert _choices(schema, "list", "statuscode") == {0: "Active", 1: "Inactive"}


def test_campaign_response_codes_and_regarding(schema) -> None:
    table = schema.tables["campaignresponse"]

    assert table.is_activity
    assert table.primary_id == "activityid"
    assert table.privilege("Create") == "prvCreateActivity"
    assert _choices(schema, "campaignresponse", "responsecode") == {
        1: "Interested",
        2: "Not Interested",
        3: "Do Not Send Marketing Materials",
        4: "Error",
    }
    assert _choices(schema, "campaignresponse", "channeltypecode")[1] == "Email"
    regarding = schema.one_to_many["Campaign_CampaignResponses"]
    assert (
        regarding.referencing_navigation
        == "regardingobjectid_campaign_campaignresponse"
    )


def test_activity_parties_hang_off_the_response(schema) -> None:
    parties = schema.one_to_many["campaignresponse_activity_parties"]
    contact_party = schema.one_to_many["contact_activity_parties"]

    assert parties.referenced_navigation == "campaignresponse_activity_parties"
    assert contact_party.referencing_navigation == "partyid_contact"
    assert _choices(schema, "activityparty", "participationtypemask")[11] == "Customer"


def test_list_member_relationships_use_one_name_on_both_sides(schema) -> None:
    for name, member in (
        ("listcontact_association", "contact"),
        ("listlead_association", "lead"),
        ("listaccount_association", "account"),
    ):
        relationship = schema.many_to_many[name]

        assert (relationship.table1, relationship.table2) == ("list", member)
        assert relationship.navigation1 == relationship.navigation2 == name
        assert relationship.intersect_entity == "listmember"

    assert (
        schema.many_to_many["campaignlist_association"].intersect_entity
        == "campaignitem"
    )


def test_customer_lookups_are_polymorphic(schema) -> None:
    column = schema.tables["contact"].columns["parentcustomerid"]
    navigations = {
        relationship.referencing_navigation
        for relationship in schema.one_to_many.values()
        if relationship.referencing_column == "parentcustomerid"
    }

    assert column.type is AttributeType.CUSTOMER
    assert column.targets == ("account", "contact")
    assert navigations == {"parentcustomerid_account", "parentcustomerid_contact"}


def test_system_users_use_the_user_privilege(schema) -> None:
    table = schema.tables["systemuser"]

    assert table.privilege("Read") == "prvReadUser"
    assert {"isdisabled", "accessmode", "applicationid"} <= set(table.columns)


def test_system_administrator_grants_everything(schema) -> None:
    role = schema.roles[SYSTEM_ADMINISTRATOR_ROLE_ID]

    assert role.is_system_administrator
    assert role.grants("prvDeletepocc_Job")
