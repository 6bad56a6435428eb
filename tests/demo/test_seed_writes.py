"""Seeding writes the organisation through the Web API, as the demo and bench use it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from pocc.sandbox.seed import (
    AdminWebApi,
    SeededOrganization,
    SeedError,
    seed_organization,
)
from pocc.sandbox.seed.marketing import DYNAMIC_COUNTRIES
from tests.sandbox_process import SandboxProcess, SandboxSession


@pytest.fixture(scope="module")
def seeded_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SandboxProcess, SeededOrganization]]:
    process = SandboxProcess(tmp_path_factory.mktemp("seed-sandbox"))
    process.start()
    api = AdminWebApi(process.config, "contoso")

    try:
        yield process, seed_organization(api)
    finally:
        api.close()
        process.stop()


@pytest.fixture(scope="module")
def web_api(
    seeded_sandbox: tuple[SandboxProcess, SeededOrganization],
) -> SandboxSession:
    return seeded_sandbox[0].admin_session()


@pytest.fixture(scope="module")
def seeded(
    seeded_sandbox: tuple[SandboxProcess, SeededOrganization],
) -> SeededOrganization:
    return seeded_sandbox[1]


def counted(web_api: SandboxSession, path: str) -> int:
    separator = "&" if "?" in path else "?"
    answer = web_api.get(
        f"{path}{separator}$count=true",
        headers={"Prefer": "odata.maxpagesize=5000"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["@odata.count"]


def test_every_record_is_written(web_api: SandboxSession, seeded: SeededOrganization):
    population = seeded.population

    assert counted(web_api, "contacts?$select=contactid") == len(population.contacts)
    assert counted(web_api, "leads?$select=leadid") == len(population.leads)
    assert counted(web_api, "accounts?$select=accountid") == len(population.accounts)


def test_seeding_takes_few_calls(seeded: SeededOrganization):
    # 6,500 rows in thousand-row chunks, list members likewise, four lists and a
    # campaign: a few dozen calls, not thousands.
    assert seeded.calls < 40


@pytest.mark.parametrize(
    ("entity_set", "table"),
    [("contacts", "contact"), ("leads", "lead"), ("accounts", "account")],
)
def test_inactive_records_are_closed(
    web_api: SandboxSession,
    seeded: SeededOrganization,
    entity_set: str,
    table: str,
):
    inactive = [
        record
        for record in seeded.population.with_case("inactive")
        if record.table == table
    ]
    closed = counted(web_api, f"{entity_set}?$select=statecode&$filter=statecode ne 0")

    assert closed == len(inactive)


def test_names_and_addresses_survive_the_round_trip(
    web_api: SandboxSession, seeded: SeededOrganization
):
    awkward = [
        *seeded.population.with_case("cjk_name")[:2],
        *seeded.population.with_case("curly_apostrophe")[:2],
        *seeded.population.with_case("emoji_name")[:2],
        *seeded.population.with_case("space_variant")[:2],
        *seeded.population.with_case("internationalised")[:2],
    ]

    for record in awkward:
        entity_set = f"{record.table}s"
        answer = web_api.get(f"{entity_set}({record.id})")
        assert answer.status_code == 200, answer.text
        row = answer.json()

        for name in ("firstname", "lastname", "emailaddress1"):
            if name in record.columns:
                assert row[name] == record.columns[name]


def test_static_lists_hold_their_members(
    web_api: SandboxSession, seeded: SeededOrganization
):
    for item in seeded.marketing.lists:
        if item.dynamic:
            continue

        navigation = f"list{item.member_table}_association"
        members = counted(web_api, f"lists({item.id})/{navigation}")
        assert members == len(item.member_ids), item.name


def test_dynamic_list_query_selects_contacts_by_country(
    web_api: SandboxSession, seeded: SeededOrganization
):
    (dynamic,) = [item for item in seeded.marketing.lists if item.dynamic]
    stored = web_api.get(f"lists({dynamic.id})?$select=query,type").json()
    answer = web_api.get(
        f"contacts?fetchXml={quote(stored['query'])}",
        headers={"Prefer": "odata.maxpagesize=5000"},
    )
    assert answer.status_code == 200, answer.text

    expected = {
        record.id
        for record in seeded.population.contacts
        if record.columns["address1_country"] in DYNAMIC_COUNTRIES
    }
    assert stored["type"] is True
    assert {row["contactid"] for row in answer.json()["value"]} == expected
    assert expected


def test_the_campaign_has_every_list_attached(
    web_api: SandboxSession, seeded: SeededOrganization
):
    marketing = seeded.marketing
    answer = web_api.get(
        f"campaigns({marketing.campaign_id})/campaignlist_association?$select=listid"
    )
    assert answer.status_code == 200, answer.text

    attached = {row["listid"] for row in answer.json()["value"]}
    assert attached == {item.id for item in marketing.lists}


def test_one_address_is_held_by_three_tables(
    web_api: SandboxSession, seeded: SeededOrganization
):
    address = seeded.population.with_case("shared_across_tables")[0].email
    literal = quote(address.replace("'", "''"))

    for entity_set in ("contacts", "leads", "accounts"):
        found = counted(
            web_api,
            f"{entity_set}?$select=emailaddress1&$filter=emailaddress1 eq '{literal}'",
        )
        assert found == 1, entity_set


def test_a_second_seed_of_the_same_organisation_is_refused(
    seeded_sandbox: tuple[SandboxProcess, SeededOrganization],
):
    # The ids are fixed by the seed, so seeding twice cannot silently double the
    # organisation: Dataverse refuses the second create of each id.
    api = AdminWebApi(seeded_sandbox[0].config, "contoso")

    try:
        with pytest.raises(SeedError, match="CreateMultiple"):
            seed_organization(api, contacts=600, leads=300, accounts=200)
    finally:
        api.close()
