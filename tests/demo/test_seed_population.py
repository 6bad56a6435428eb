"""The seeded organisation holds the awkward cases real CRMs hold (no server needed)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from pocc.sandbox.seed import build_population
from pocc.sandbox.seed.awkward import (
    ADDRESS_CASES,
    CONSTANT_CONTACT_NAME_LIMIT,
    NAME_CASES,
    SHARED_ACROSS_TABLES,
    Population,
)


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population()


def normalised(address: str | None) -> str:
    return (address or "").strip().lower()


def test_population_is_at_least_the_size_the_demo_promises(population: Population):
    assert len(population.contacts) >= 5_000
    assert len(population.leads) >= 1_000
    assert len(population.accounts) >= 500


def test_the_same_seed_gives_the_same_organisation(population: Population):
    again = build_population()

    assert [record.row() for record in again.all()] == [
        record.row() for record in population.all()
    ]


def test_another_seed_gives_other_people(population: Population):
    other = build_population(seed=7, contacts=600, leads=300, accounts=200)

    assert other.contacts[0].id != population.contacts[0].id
    assert other.contacts[0].columns != population.contacts[0].columns


def test_every_case_is_planted_as_often_as_declared(population: Population):
    for cases in (ADDRESS_CASES, NAME_CASES):
        for table, counts in cases.items():
            for case, expected in counts.items():
                found = [
                    record for record in population.table(table) if case in record.cases
                ]
                assert len(found) == expected, (table, case)


def test_address_cases_never_overlap_on_one_record(population: Population):
    address_cases = {case for cases in ADDRESS_CASES.values() for case in cases}
    address_cases.add("shared_across_tables")

    for record in population.all():
        assert len(record.cases & address_cases) <= 1, record.cases


def test_one_address_is_on_a_contact_a_lead_and_an_account(population: Population):
    shared = population.with_case("shared_across_tables")
    by_address: dict[str, set[str]] = {}

    for record in shared:
        by_address.setdefault(record.email or "", set()).add(record.table)

    assert len(by_address) == SHARED_ACROSS_TABLES
    assert all(
        tables == {"contact", "lead", "account"} for tables in by_address.values()
    )


def test_variants_differ_only_by_case_or_spaces_from_an_ordinary_contact(
    population: Population,
):
    ordinary = {
        record.email: record for record in population.contacts if not record.cases
    }
    ordinary_normalised = {normalised(address) for address in ordinary}

    for case in ("case_variant", "space_variant"):
        for record in population.with_case(case):
            assert record.email not in ordinary
            assert normalised(record.email) in ordinary_normalised

    spaced = population.with_case("space_variant")
    assert all(record.email != (record.email or "").strip() for record in spaced)


def test_address_shapes(population: Population):
    plus = population.with_case("plus_addressed")
    international = population.with_case("internationalised")
    missing = population.with_case("missing_email")
    too_long = population.with_case("too_long_for_import")

    assert all("+" in (record.email or "").split("@")[0] for record in plus)
    assert all(not (record.email or "").isascii() for record in international)
    assert all(record.email is None for record in missing)
    assert all(50 < len(record.email or "") <= 100 for record in too_long)


def test_invalid_addresses_are_not_addresses(population: Population):
    for record in population.with_case("invalid_email"):
        address = record.email or ""
        local, at, domain = address.partition("@")
        broken = (
            not at
            or not local
            or not domain
            or "@" in domain
            or ".." in domain
            or " " in address
            or "," in address
            or local.startswith(".")
        )
        assert broken, address


def test_inactive_and_permission_flags(population: Population):
    for record in population.with_case("inactive"):
        assert record.columns["statecode"] != 0

    assert any(
        record.columns["statecode"] == 2
        for record in population.with_case("inactive")
        if record.table == "lead"
    )

    for record in population.with_case("do_not_email"):
        assert record.columns["donotemail"] is True

    for record in population.with_case("do_not_bulk_email"):
        assert record.columns["donotbulkemail"] is True


def test_names_with_accents_cjk_emoji_and_curly_apostrophes(population: Population):
    def names(case: str) -> list[str]:
        return [
            f"{record.columns.get('firstname')} {record.columns.get('lastname')}"
            for record in population.with_case(case)
        ]

    assert all(not name.isascii() for name in names("accented_name"))
    assert all(
        any(
            "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"
            for char in name
        )
        for name in names("cjk_name")
    )
    assert all(any(ord(char) > 0x2600 for char in name) for name in names("emoji_name"))
    assert all("\u2019" in name for name in names("curly_apostrophe"))


def test_long_names_exceed_constant_contact_but_fit_dataverse(population: Population):
    limits = {"contact": ("jobtitle", 100), "lead": ("companyname", 100)}

    for record in population.with_case("long_name"):
        column, dataverse_limit = limits.get(record.table, ("name", 160))
        value = record.columns[column]
        assert CONSTANT_CONTACT_NAME_LIMIT < len(value) <= dataverse_limit


def test_every_value_fits_its_dataverse_column(population: Population):
    for record in population.all():
        for name in ("firstname", "lastname"):
            assert len(record.columns.get(name) or "") <= 50

        assert len(record.email or "") <= 100


def test_contacts_and_leads_hold_the_columns_the_demo_maps(population: Population):
    anniversaries = [
        record.columns["anniversary"]
        for record in population.contacts
        if "anniversary" in record.columns
    ]
    sources = Counter(
        record.columns.get("leadsourcecode") for record in population.leads
    )

    assert len(anniversaries) >= len(population.contacts) // 4
    assert all(date.fromisoformat(text).year >= 2012 for text in anniversaries)
    assert None not in sources
    assert len(sources) > 3
