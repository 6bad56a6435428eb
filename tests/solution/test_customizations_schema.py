"""The assembled customizations.xml against Microsoft's CustomizationsSolution.xsd.

The XSD set (9.0.0.2090) is older than today's exports, so some rules are broken by
every current solution. Each such rule is listed below with why; any other error fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import xmlschema

from pocc.solution.assemble import customizations_xml
from tests.reference import reference_path

SOLUTION_DIR = Path(__file__).resolve().parents[2] / "solution"
XSD = "solution-schema/9.0.0.2090/CustomizationsSolution.xsd"

# (reason pattern, path pattern, why current solutions break the rule)
KNOWN_BREAKS = [
    (
        r"value doesn't match any pattern of \['\^\[0-9\]\+",
        r"/IntroducedVersion$",
        "the XSD writes the version pattern as ^...$; in XSD regex ^ and $ are literal "
        "characters, so no real version number (1.0.0.0) can match",
    ),
    (
        r"attribute width='100%': value doesn't match any pattern of \['\^\(100",
        r"/tabs/tab/columns/column$",
        "the same ^...$ pattern mistake in FormXml.xsd's column width: read as XSD "
        "regex it wants a literal ^ and $ around the percentage, so no real form "
        '(width="100%") can match',
    ),
    (
        r"Unexpected child with tag '(AutoNumberFormat|IsSearchable|IsFilterable|"
        r"IsRetrievable|IsLocalizable)'",
        r"/attributes/attribute$",
        "column settings added to exports after 9.0 (auto-number, search and "
        "filter flags, localizable text)",
    ),
    (
        r"Unexpected child with tag '(IsRetrieveAuditEnabled|"
        r"IsRetrieveMultipleAuditEnabled|IsMSTeamsIntegrationEnabled|IsSolutionAware)'",
        r"/EntityInfo/entity$",
        "table settings added to exports after 9.0 (read auditing, Teams, "
        "solution awareness)",
    ),
    (
        r"Unexpected child with tag 'CascadeArchive'",
        r"/EntityRelationship$",
        "the archive cascade (long-term data retention) came after 9.0",
    ),
    (
        r"'IsHidden' attribute not allowed",
        r"/optionset/options/option$",
        "hidden choice options came after 9.0",
    ),
    (
        r"Unexpected child with tag 'IsAutoAssigned'",
        r"/Roles/Role$",
        "automatic role assignment to new business-unit users came after 9.0",
    ),
    (
        r"'(OrganizationVersion|OrganizationSchemaType|"
        r"CRMServerServiceabilityVersion)' attribute not allowed",
        r"^/ImportExportXml$",
        "exports stamp the exporting organisation's version on the root since 9.1",
    ),
]


@pytest.fixture(scope="module")
def errors() -> list[xmlschema.XMLSchemaValidationError]:
    schema = xmlschema.XMLSchema10(str(reference_path(XSD)), validation="lax")
    document = customizations_xml(SOLUTION_DIR).decode("utf-8")

    return list(schema.iter_errors(document))


def _known(error: xmlschema.XMLSchemaValidationError) -> bool:
    reason = error.reason or ""
    path = re.sub(r"\[\d+\]", "", error.path or "")

    return any(
        re.search(reason_pattern, reason) and re.search(path_pattern, path)
        for reason_pattern, path_pattern, _ in KNOWN_BREAKS
    )


@pytest.mark.reference
def test_customizations_break_no_rule_but_the_known_ones(errors) -> None:
    unexpected = [
        f"{error.path}: {error.reason}" for error in errors if not _known(error)
    ]

    assert unexpected == []


@pytest.mark.reference
def test_every_known_break_still_happens(errors) -> None:
    # A rule nothing breaks any more must leave the list, or it would hide a new error.
    for reason_pattern, path_pattern, why in KNOWN_BREAKS:
        assert any(
            re.search(reason_pattern, error.reason or "")
            and re.search(path_pattern, re.sub(r"\[\d+\]", "", error.path or ""))
            for error in errors
        ), why


@pytest.mark.reference
def test_a_misplaced_element_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "solution"
    _copy_tree(SOLUTION_DIR, broken)
    role = broken / "Roles" / "PowerConstantContact User.xml"
    role.write_text(role.read_text().replace('level="Basic"', 'level="Everyone"'))
    schema = xmlschema.XMLSchema10(str(reference_path(XSD)), validation="lax")

    errors = list(schema.iter_errors(customizations_xml(broken).decode("utf-8")))

    assert any("Everyone" in str(error) and not _known(error) for error in errors)


def _copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)

        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())
