"""Each ribbon, the site map, every FetchXML query and the chart against their XSDs.

Unlike the whole customizations.xml, these fragments' schemas are not behind today's
exports, so any error at all fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema

from pocc.sandbox.seed.marketing import DYNAMIC_COUNTRIES, dynamic_fetch_xml
from tests.reference import reference_path
from tests.solution.solution_files import (
    SOLUTION_DIR,
    chart_files,
    parse,
    ribbon_files,
    site_map_files,
    view_files,
)

SCHEMAS = "solution-schema/9.0.0.2090"
pytestmark = pytest.mark.reference


def _schema(name: str) -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(reference_path(f"{SCHEMAS}/{name}")))


@pytest.fixture(scope="module")
def ribbon_schema() -> xmlschema.XMLSchema10:
    return _schema("RibbonCore.xsd")


@pytest.fixture(scope="module")
def fetch_schema() -> xmlschema.XMLSchema10:
    return _schema("Fetch.xsd")


def _errors(schema: xmlschema.XMLSchema10, element: object) -> list[str]:
    return [f"{error.path}: {error.reason}" for error in schema.iter_errors(element)]


def _name(path: Path) -> str:
    return str(path.relative_to(SOLUTION_DIR))


@pytest.mark.parametrize("path", ribbon_files(), ids=_name)
def test_each_ribbon_is_valid_ribbon_xml(ribbon_schema, path: Path) -> None:
    assert _errors(ribbon_schema, parse(path)) == []


def test_the_four_buttons_have_ribbons() -> None:
    folders = {path.parent.name for path in ribbon_files()}

    assert {"pocc_Campaign", "pocc_EmailDuplicate", "List"} <= folders


@pytest.mark.parametrize("path", site_map_files(), ids=_name)
def test_the_site_map_is_valid(path: Path) -> None:
    site_map = parse(path).find("SiteMap")

    assert _errors(_schema("SiteMap.xsd"), site_map) == []


def test_the_site_map_has_the_power_constant_contact_area() -> None:
    (path,) = site_map_files()
    area = parse(path).find("SiteMap/Area[@Id='PowerConstantContact']")
    titles = {
        sub_area.find("Titles/Title").get("Title") for sub_area in area.iter("SubArea")
    }

    assert titles == {"Campaigns", "Jobs", "Email duplicates", "Configuration"}


@pytest.mark.parametrize("path", view_files(), ids=_name)
def test_each_view_query_is_valid_fetch_xml(fetch_schema, path: Path) -> None:
    fetch = parse(path).find("savedquery/fetchxml/fetch")

    assert fetch is not None
    assert _errors(fetch_schema, fetch) == []


@pytest.mark.parametrize("path", chart_files(), ids=_name)
def test_each_chart_is_valid(fetch_schema, path: Path) -> None:
    definition = parse(path).find("datadescription/datadefinition")
    chart_schema = _schema("VisualizationDataDescription.xsd")

    assert _errors(chart_schema, definition) == []

    for fetch in definition.iter("fetch"):
        assert _errors(fetch_schema, fetch) == []


def test_the_seeded_dynamic_list_query_is_valid_fetch_xml(fetch_schema) -> None:
    query = dynamic_fetch_xml(DYNAMIC_COUNTRIES)

    assert _errors(fetch_schema, query) == []


def test_a_broken_query_is_caught(fetch_schema) -> None:
    # The checks above must be able to fail: an unknown operator is refused.
    query = dynamic_fetch_xml(DYNAMIC_COUNTRIES)
    broken = query.replace('operator="in"', 'operator="among"')

    assert broken != query
    assert _errors(fetch_schema, broken) != []
