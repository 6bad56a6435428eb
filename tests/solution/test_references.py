"""Everything the solution refers to exists: tables, columns, views, forms,
relationships, web resources, labels, rules, roles and privileges.

Dataverse refuses an import that names a missing component, and a form or view that
names a missing column breaks at run time, so these are checked at the source.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pocc.sandbox.dataverse.model import Schema
from pocc.sandbox.dataverse.schema_loader import load_schema
from pocc.sandbox.dataverse.security import privilege_name
from pocc.solution.web_resources import read_web_resources
from tests.solution.solution_files import (
    SOLUTION_DIR,
    chart_files,
    entity_name,
    form_files,
    parse,
    ribbon_files,
    site_map_files,
    view_files,
)

SUBGRID = "{E7A81278-8635-4d9e-8D4D-59480B391C5B}"
WEB_RESOURCE_CONTROL = "{9FDF5F91-88B1-47f4-AD53-C11EFC01A01D}"
ACCESS_RIGHTS = ("Create", "Read", "Write", "Delete", "Append", "AppendTo")
ACCESS_RIGHTS += ("Assign", "Share")
# The functions helper scripts must offer to the ribbon (see RibbonDiff.xml files).
RIBBON_FUNCTIONS = {
    "Pocc.Ribbon.synchronize",
    "Pocc.Ribbon.send",
    "Pocc.Ribbon.canSend",
    "Pocc.Ribbon.syncList",
    "Pocc.Ribbon.findDuplicates",
}
# A command loads a library without running anything by calling a built-in from it.
LIBRARY_LOADER = "isNaN"
QUERY_TYPES = {"public": 0, "associated": 2, "quick find": 4, "lookup": 64}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_schema(SOLUTION_DIR)


@pytest.fixture(scope="module")
def views() -> dict[str, tuple[str, object]]:
    """Every view by id: (table logical name, <savedquery> element)."""
    found = {}

    for path in view_files():
        saved_query = parse(path).find("savedquery")
        found[saved_query.findtext("savedqueryid").strip("{}").lower()] = (
            entity_name(path),
            saved_query,
        )

    return found


@pytest.fixture(scope="module")
def web_resources() -> dict[str, object]:
    return {resource.name: resource for resource in read_web_resources(SOLUTION_DIR)}


def _pocc_tables(schema: Schema) -> list[str]:
    return sorted(name for name in schema.tables if name.startswith("pocc_"))


def test_every_pocc_table_has_a_main_form(schema: Schema) -> None:
    with_forms = {entity_name(path) for path in form_files() if "/main/" in str(path)}

    assert set(_pocc_tables(schema)) - with_forms == set()


@pytest.mark.parametrize("kind", sorted(QUERY_TYPES))
def test_every_pocc_table_has_a_default_view_of_each_kind(
    schema: Schema, views: dict, kind: str
) -> None:
    defaults = {
        table
        for table, view in views.values()
        if view.findtext("querytype") == str(QUERY_TYPES[kind])
        and view.findtext("isdefault") == "1"
    }

    assert set(_pocc_tables(schema)) - defaults == set()


def test_the_views_users_need_exist(views: dict) -> None:
    names = {
        view.find("LocalizedNames/LocalizedName").get("description")
        for _, view in views.values()
    }

    assert {
        "Active Constant Contact Campaigns",
        "Jobs by Status",
        "Running Jobs",
        "Duplicates by Number of Records",
        "Links by Clicks",
    } <= names


@pytest.mark.parametrize("path", view_files(), ids=lambda path: path.name)
def test_each_view_names_only_real_columns(schema: Schema, path: Path) -> None:
    saved_query = parse(path).find("savedquery")
    table = schema.tables[entity_name(path)]
    entity = saved_query.find("fetchxml/fetch/entity")
    named = _fetch_columns(entity)
    cells = {cell.get("name") for cell in saved_query.iter("cell")}
    row = saved_query.find("layoutxml/grid/row")

    assert entity.get("name") == table.logical_name
    assert named - set(table.columns) - {table.primary_id} == set()
    assert cells - set(table.columns) == set()
    assert cells <= named
    assert row.get("id") == table.primary_id


@pytest.mark.parametrize("path", chart_files(), ids=lambda path: path.name)
def test_each_chart_names_only_real_columns(schema: Schema, path: Path) -> None:
    chart = parse(path)
    entity = chart.find("datadescription/datadefinition/fetchcollection/fetch/entity")
    table = schema.tables[entity_name(path)]
    aliases = {attribute.get("alias") for attribute in entity.iter("attribute")}
    measured = {measure.get("alias") for measure in chart.iter("measure")}
    categories = {category.get("alias") for category in chart.iter("category")}

    assert entity.get("name") == table.logical_name
    assert _fetch_columns(entity) - set(table.columns) == set()
    assert measured | categories <= aliases


@pytest.mark.parametrize("path", form_files(), ids=lambda path: path.name)
def test_each_form_names_only_real_things(
    schema: Schema, views: dict, web_resources: dict, path: Path
) -> None:
    table = schema.tables[entity_name(path)]

    for control in parse(path).iter("control"):
        field = control.get("datafieldname")

        if field:
            assert field in table.columns, field

        if control.get("classid") == SUBGRID:
            _check_subgrid(schema, views, table.logical_name, control)

        if control.get("classid") == WEB_RESOURCE_CONTROL:
            resource = web_resources[control.findtext("parameters/Url")]
            control_id = control.findtext("parameters/WebResourceId")

            assert control_id.lower() == resource.web_resource_id.lower()


def test_the_campaign_form_shows_what_users_read(schema: Schema) -> None:
    (path,) = [path for path in form_files() if entity_name(path) == "pocc_campaign"]
    form = parse(path)
    fields = {control.get("datafieldname") for control in form.iter("control")}
    grids = {
        control.findtext("parameters/TargetEntityType")
        for control in form.iter("control")
        if control.get("classid") == SUBGRID
    }
    pages = {control.findtext("parameters/Url") for control in form.iter("control")}

    assert {"pocc_textpreview", "pocc_openrate", "pocc_clickrate"} <= fields
    assert grids == {
        "pocc_emaillink",
        "pocc_sendhistory",
        "pocc_job",
        "campaignresponse",
    }
    assert "pocc_/pages/statistics.html" in pages


def test_the_job_form_shows_progress_buckets_and_log() -> None:
    (path,) = [path for path in form_files() if entity_name(path) == "pocc_job"]
    fields = {control.get("datafieldname") for control in parse(path).iter("control")}

    assert {"pocc_percent", "pocc_skippedduplicate", "pocc_log"} <= fields


@pytest.mark.parametrize("path", ribbon_files(), ids=lambda path: path.parent.name)
def test_each_ribbon_refers_to_what_it_defines(web_resources: dict, path: Path) -> None:
    ribbon = parse(path)
    table = entity_name(path)
    commands = {command.get("Id") for command in ribbon.iter("CommandDefinition")}
    rules = {
        rule.get("Id")
        for rule in ribbon.findall("RuleDefinitions/EnableRules/EnableRule")
    }
    labels = {label.get("Id") for label in ribbon.iter("LocLabel")}

    for action in ribbon.iter("CustomAction"):
        assert f".{table}." in action.get("Location")

    for button in ribbon.iter("Button"):
        assert button.get("Command") in commands
        assert _label_ids(button) <= labels

    for rule in ribbon.findall(
        "CommandDefinitions/CommandDefinition/EnableRules/EnableRule"
    ):
        assert rule.get("Id") in rules

    for call in [*ribbon.iter("JavaScriptFunction"), *ribbon.iter("CustomRule")]:
        library = call.get("Library").removeprefix("$webresource:")

        assert library in web_resources
        assert call.get("FunctionName") in RIBBON_FUNCTIONS | {LIBRARY_LOADER}

    # ribbon.js builds on Pocc.Common, so every command action loads common.js first.
    for actions in ribbon.iter("Actions"):
        calls = [call.get("Library") for call in actions.iter("JavaScriptFunction")]

        assert calls[0] == "$webresource:pocc_/scripts/common.js"
        assert calls[-1] == "$webresource:pocc_/scripts/ribbon.js"


def test_the_ribbon_script_defines_every_function_the_ribbons_call(
    web_resources: dict,
) -> None:
    script = web_resources["pocc_/scripts/ribbon.js"].content().decode("utf-8")

    for function in RIBBON_FUNCTIONS:
        assert re.search(rf"\b{function.rsplit('.', 1)[1]}\b", script), function


def test_the_site_map_opens_real_tables_and_pages(
    schema: Schema, web_resources: dict
) -> None:
    for path in site_map_files():
        for sub_area in parse(path).iter("SubArea"):
            entity = sub_area.get("Entity")
            url = sub_area.get("Url")

            assert (
                (entity in schema.tables) if entity else url.startswith("$webresource:")
            )

            if url:
                assert url.removeprefix("$webresource:") in web_resources


def test_the_app_names_real_components(schema: Schema) -> None:
    app = parse(SOLUTION_DIR / "AppModules/pocc_PowerConstantContact/AppModule.xml")
    role_ids = {role.role_id for role in schema.roles.values()}
    site_maps = {parse(path).findtext("SiteMapUniqueName") for path in site_map_files()}

    for component in app.iter("AppModuleComponent"):
        if component.get("type") == "1":
            assert component.get("schemaName") in schema.tables

        if component.get("type") == "62":
            assert component.get("schemaName") in site_maps

    for role in app.iter("Role"):
        assert role.get("id").strip("{}").lower() in role_ids


def test_every_role_privilege_names_a_real_table(schema: Schema) -> None:
    known = {
        privilege_name(table, access)
        for table in schema.tables.values()
        for access in ACCESS_RIGHTS
    }

    for role in schema.roles.values():
        assert set(role.privileges) - known == set(), role.name


def test_field_security_covers_exactly_the_secured_columns(schema: Schema) -> None:
    secured = {
        (table.logical_name, column.logical_name)
        for table in schema.tables.values()
        for column in table.columns.values()
        if column.is_secured
    }

    for profile in schema.field_security_profiles.values():
        listed = {(item.table, item.column) for item in profile.permissions}

        assert listed == secured, profile.name


def test_administrators_may_set_the_secret_but_never_read_it_back(
    schema: Schema,
) -> None:
    (profile,) = [
        profile
        for profile in schema.field_security_profiles.values()
        if profile.name == "PowerConstantContact Administrator"
    ]
    secret = profile.permission("pocc_configuration", "pocc_ccclientsecret")
    token = profile.permission("pocc_configuration", "pocc_refreshtoken")

    assert (secret.can_read, secret.can_create, secret.can_update) == (
        False,
        True,
        True,
    )
    assert (token.can_read, token.can_create, token.can_update) == (False, False, False)


def test_root_components_exist_and_cover_every_web_resource(
    schema: Schema, views: dict, web_resources: dict
) -> None:
    manifest = parse(SOLUTION_DIR / "Other/Solution.xml")
    components = manifest.findall("SolutionManifest/RootComponents/RootComponent")
    by_type: dict[str, set[str]] = {}

    for component in components:
        key = component.get("schemaName") or component.get("id").strip("{}").lower()
        by_type.setdefault(component.get("type"), set()).add(key)

    assert by_type["1"] <= set(schema.tables)
    assert by_type["20"] <= {role.role_id for role in schema.roles.values()}
    assert by_type["70"] <= set(schema.field_security_profiles)
    assert by_type["26"] <= set(views)
    assert by_type["61"] == set(web_resources)


def test_every_registered_web_resource_has_its_content(web_resources: dict) -> None:
    for resource in web_resources.values():
        assert resource.content(), resource.name


def _fetch_columns(entity: object) -> set[str]:
    names = set()

    for element in entity.iter():
        if element.tag in ("attribute", "order", "condition"):
            names.add(element.get("attribute") or element.get("name"))

    return names


def _label_ids(button: object) -> set[str]:
    return {
        value.removeprefix("$LocLabels:")
        for value in button.attrib.values()
        if value.startswith("$LocLabels:")
    }


def _check_subgrid(schema: Schema, views: dict, table: str, control: object) -> None:
    target = control.findtext("parameters/TargetEntityType")
    view_table, _ = views[control.findtext("parameters/ViewId").strip("{}").lower()]
    relationship_name = control.findtext("parameters/RelationshipName")

    assert view_table == target

    if relationship_name:
        relationship = schema.one_to_many[relationship_name]

        assert (relationship.referenced_table, relationship.referencing_table) == (
            table,
            target,
        )
