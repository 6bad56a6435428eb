"""load_schema: the standard tables and the solution merged, with system columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocc.sandbox.dataverse.model import LOGICAL_NAME, AttributeType
from pocc.sandbox.dataverse.schema_loader import load_schema

SOLUTION_DIR = Path(__file__).resolve().parents[3] / "solution"


@pytest.fixture(scope="module")
def schema():
    return load_schema(SOLUTION_DIR)


def test_solution_and_standard_tables_are_merged(schema) -> None:
    assert schema.table_for_entity_set("pocc_jobs").logical_name == "pocc_job"
    assert schema.table_for_entity_set("contacts").logical_name == "contact"
    assert "pocc_cclistid" in schema.tables["list"].columns


def test_every_table_has_a_row_version_and_audit_columns(schema) -> None:
    for table in schema.tables.values():
        assert table.columns["versionnumber"].type is AttributeType.BIGINT
        assert not table.columns["versionnumber"].valid_for_update
        assert {"createdon", "modifiedon", "createdby", "modifiedby"} <= set(
            table.columns
        )


def test_user_owned_tables_have_an_owner_that_can_be_set(schema) -> None:
    contact_owner = schema.tables["contact"].columns["ownerid"]

    assert contact_owner.type is AttributeType.OWNER
    assert contact_owner.targets == ("systemuser", "team")
    assert contact_owner.valid_for_create
    assert "ownerid" not in schema.tables["pocc_customfield"].columns


def test_custom_lookups_get_their_target_from_the_relationship(schema) -> None:
    columns = schema.tables["pocc_job"].columns

    assert columns["pocc_campaignid"].targets == ("pocc_campaign",)
    assert columns["pocc_marketinglistid"].targets == ("list",)


def test_standard_tables_get_system_relationships(schema) -> None:
    owner = schema.one_to_many["owner_contact"]
    activity_owner = schema.one_to_many["owner_campaignresponse"]

    assert owner.referencing_navigation == "ownerid"
    # Activities suffix their system navigation properties with the table name.
    assert activity_owner.referencing_navigation == "ownerid_campaignresponse"


def test_every_relationship_points_at_real_tables_and_keys(schema) -> None:
    for relationship in schema.one_to_many.values():
        referenced = schema.tables[relationship.referenced_table]
        referencing = schema.tables[relationship.referencing_table]

        assert relationship.referenced_column == referenced.primary_id
        assert relationship.referencing_column in referencing.columns


def test_every_name_is_safe_as_an_sql_identifier(schema) -> None:
    for table in schema.tables.values():
        assert LOGICAL_NAME.match(table.logical_name)

        for column in table.columns:
            assert LOGICAL_NAME.match(column)


def test_roles_include_system_administrator_and_the_solution_roles(schema) -> None:
    names = {role.name for role in schema.roles.values()}

    assert names == {
        "System Administrator",
        "PowerConstantContact AppUser",
        "PowerConstantContact User",
    }
