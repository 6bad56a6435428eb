"""Reading `solution/`: tables, keys, relationships and roles come out as authored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pocc.sandbox.dataverse.model import AttributeType
from pocc.sandbox.dataverse.schema_loader import load_schema
from pocc.sandbox.dataverse.solution_reader import SolutionError, read_solution

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"
POCC_TABLES = {
    "pocc_configuration": "pocc_configurations",
    "pocc_campaign": "pocc_campaigns",
    "pocc_job": "pocc_jobs",
    "pocc_emaillink": "pocc_emaillinks",
    "pocc_sendhistory": "pocc_sendhistories",
    "pocc_customfield": "pocc_customfields",
    "pocc_emailduplicate": "pocc_emailduplicates",
    "pocc_sendrecipient": "pocc_sendrecipients",
}


@pytest.fixture(scope="module")
def contents():
    return read_solution(SOLUTION_DIR)


def test_manifest_names_the_solution_and_publisher(contents) -> None:
    assert contents.unique_name == "PowerConstantContact"
    assert contents.publisher_prefix == "pocc"
    assert contents.option_value_prefix == 10150
    assert contents.version == "1.0.0.0"


def test_every_architecture_table_is_in_the_solution(contents) -> None:
    entity_sets = {name: table.entity_set for name, table in contents.tables.items()}

    assert entity_sets == POCC_TABLES


def test_configuration_is_organisation_owned_with_secured_tokens(contents) -> None:
    table = contents.tables["pocc_configuration"]
    secured = {name for name, column in table.columns.items() if column.is_secured}

    assert table.ownership == "OrganizationOwned"
    assert secured == {"pocc_ccclientsecret", "pocc_accesstoken", "pocc_refreshtoken"}
    assert "ownerid" not in table.columns
    assert "organizationid" in table.columns


def test_job_choices_use_the_publisher_option_prefix(contents) -> None:
    kind = contents.tables["pocc_job"].columns["pocc_kind"]
    status = contents.tables["pocc_job"].columns["pocc_jobstatus"]

    assert kind.type is AttributeType.PICKLIST
    assert [(c.value, c.label) for c in kind.choices] == [
        (101500000, "Synchronize"),
        (101500001, "Send"),
        (101500002, "Retrieve responses"),
        (101500003, "Sync marketing list"),
        (101500004, "Find duplicates"),
        (101500005, "Refresh statistics"),
    ]
    assert [c.label for c in status.choices] == [
        "Queued",
        "Running",
        "Succeeded",
        "Partly succeeded",
        "Failed",
        "Cancelled",
    ]


def test_campaign_status_follows_constant_contact_current_status(contents) -> None:
    column = contents.tables["pocc_campaign"].columns["pocc_campaignstatus"]

    assert [c.label for c in column.choices] == [
        "Draft",
        "Scheduled",
        "Executing",
        "Done",
        "Error",
        "Removed",
    ]


def test_state_and_status_options_carry_their_pairing(contents) -> None:
    table = contents.tables["pocc_campaign"]
    states = {c.value: c.default_status for c in table.columns["statecode"].choices}
    statuses = {c.value: c.state for c in table.columns["statuscode"].choices}

    assert states == {0: 1, 1: 2}
    assert statuses == {1: 0, 2: 1}


def test_columns_keep_types_lengths_and_ranges(contents) -> None:
    campaign = contents.tables["pocc_campaign"]

    assert campaign.primary_id == "pocc_campaignid"
    assert campaign.primary_name == "pocc_name"
    assert campaign.columns["pocc_ccid"].max_length == 100
    assert campaign.columns["pocc_ccid"].required_level == "ApplicationRequired"
    assert campaign.columns["pocc_fromemail"].format == "Email"
    assert campaign.columns["pocc_textpreview"].type is AttributeType.MEMO
    assert campaign.columns["pocc_openrate"].type is AttributeType.DECIMAL
    assert campaign.columns["pocc_openrate"].max_value == 100
    assert campaign.columns["pocc_openrate"].precision == 2
    assert campaign.columns["pocc_lastsynchronizedon"].datetime_behavior == "UserLocal"
    assert not campaign.columns["createdon"].valid_for_create


def test_alternate_keys_are_read(contents) -> None:
    keys = {
        name: [key.columns for key in table.keys]
        for name, table in contents.tables.items()
    }

    assert keys["pocc_campaign"] == [("pocc_ccid",)]
    assert keys["pocc_emaillink"] == [("pocc_campaignid", "pocc_cclinkid")]
    assert keys["pocc_sendhistory"] == [("pocc_campaignid", "pocc_sendid")]
    assert keys["pocc_customfield"] == [("pocc_table", "pocc_columnname")]
    assert keys["pocc_emailduplicate"] == [("pocc_normalizedemail",)]


def test_list_gets_only_the_added_column(contents) -> None:
    assert [column.logical_name for column in contents.extensions["list"]] == [
        "pocc_cclistid"
    ]


def test_custom_lookup_navigation_uses_the_schema_name_case(contents) -> None:
    relationship = contents.one_to_many["pocc_campaign_SourceCampaignId_campaign"]

    assert relationship.referencing_table == "pocc_campaign"
    assert relationship.referencing_column == "pocc_sourcecampaignid"
    assert relationship.referenced_table == "campaign"
    # Custom lookups bind by SchemaName: pocc_SourceCampaignId@odata.bind.
    assert relationship.referencing_navigation == "pocc_SourceCampaignId"
    assert (
        relationship.referenced_navigation == "pocc_campaign_SourceCampaignId_campaign"
    )


def test_system_relationships_are_named_after_the_lookup(contents) -> None:
    owner = contents.one_to_many["owner_pocc_job"]
    created_by = contents.one_to_many["lk_pocc_job_createdby"]

    assert (owner.referencing_column, owner.referencing_navigation) == (
        "ownerid",
        "ownerid",
    )
    assert created_by.referenced_table == "systemuser"
    assert created_by.referencing_navigation == "createdby"


def test_child_rows_are_deleted_with_their_campaign(contents) -> None:
    cascade = {
        name: relationship.cascade_delete
        for name, relationship in contents.one_to_many.items()
        if relationship.referenced_table == "pocc_campaign"
    }

    assert cascade == {
        "pocc_emaillink_CampaignId_pocc_campaign": "Cascade",
        "pocc_sendhistory_CampaignId_pocc_campaign": "Cascade",
        "pocc_job_CampaignId_pocc_campaign": "RemoveLink",
    }


def test_roles_are_read_with_ids_and_levels(contents) -> None:
    roles = {role.name: role for role in contents.roles.values()}
    app_user = roles["PowerConstantContact AppUser"]

    assert set(roles) == {"PowerConstantContact AppUser", "PowerConstantContact User"}
    assert app_user.role_id == "5c1d6a0e-8f2b-4a7e-9b3c-2d4e6f8a0b11"
    assert app_user.privileges["prvReadContact"] == "Global"
    assert not app_user.is_system_administrator
    assert not app_user.grants("prvDeletepocc_Job")


def _copy_solution(tmp_path: Path) -> Path:
    target = tmp_path / "solution"
    shutil.copytree(SOLUTION_DIR, target)
    return target


def _remove_attribute(entity_xml: Path, physical_name: str) -> None:
    text = entity_xml.read_text()
    start = text.index(f'<attribute PhysicalName="{physical_name}">')
    end = text.index("</attribute>", start) + len("</attribute>")
    entity_xml.write_text(text[:start] + text[end:])


def test_a_column_removed_from_the_solution_is_gone_from_the_sandbox(tmp_path) -> None:
    solution = _copy_solution(tmp_path)
    _remove_attribute(solution / "Entities" / "pocc_Job" / "Entity.xml", "pocc_Log")

    schema = load_schema(solution)

    assert "pocc_log" not in schema.tables["pocc_job"].columns
    assert "pocc_error" in schema.tables["pocc_job"].columns


def test_a_table_with_an_unknown_column_type_is_refused(tmp_path) -> None:
    solution = _copy_solution(tmp_path)
    entity_xml = solution / "Entities" / "pocc_Job" / "Entity.xml"
    entity_xml.write_text(
        entity_xml.read_text().replace("<Type>ntext</Type>", "<Type>blob</Type>", 1)
    )

    with pytest.raises(SolutionError, match="blob"):
        read_solution(solution)


def test_malformed_xml_is_refused_with_the_file_named(tmp_path) -> None:
    solution = _copy_solution(tmp_path)
    role = solution / "Roles" / "PowerConstantContact User.xml"
    role.write_text("<Role")

    with pytest.raises(SolutionError, match=r"PowerConstantContact User\.xml"):
        read_solution(solution)
