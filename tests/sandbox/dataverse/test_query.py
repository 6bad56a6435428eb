"""Collection and record reads: options, paging, expansion and annotations.

Each test states a behaviour the reference notes (2.2 to 2.6) document.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.preferences import Preferences
from pocc.sandbox.dataverse.query import navigation_scope, read_collection, read_record
from tests.sandbox.dataverse.query_fixtures import Organisation

ROOT = "https://localhost:8443/dataverse/contoso/api/data/v9.2/"
ALL_ANNOTATIONS = Preferences.parse('odata.include-annotations="*"')


@pytest.fixture
def org(tmp_path) -> Organisation:
    return Organisation(tmp_path)


NO_PREFERENCES = Preferences()


def read(
    org: Organisation, table: str, prefer: Preferences = NO_PREFERENCES, **options
) -> dict:
    query = "&".join(f"{name}={value}" for name, value in options.items())
    url = f"{ROOT}{org.table(table).entity_set}?{query}"
    return read_collection(org.database, org.table(table), options, prefer, url)


def follow(org: Organisation, table: str, link: str, prefer: Preferences) -> dict:
    options = dict(parse_qsl(urlsplit(link).query))
    return read_collection(org.database, org.table(table), options, prefer, link)


def contacts(org: Organisation, count: int, prefix: str = "c") -> list[str]:
    rows = [{"fullname": f"{prefix}{index:05d}"} for index in range(count)]
    return org.add_many("contact", rows)


def test_select_keeps_the_primary_key_and_etag(org: Organisation) -> None:
    contact_id = org.add("contact", fullname="Ann", emailaddress1="a@example.com")
    body = read(org, "contact", **{"$select": "fullname"})

    assert body["@odata.context"] == f"{ROOT}$metadata#contacts(fullname)"
    assert body["value"] == [
        {
            "@odata.etag": body["value"][0]["@odata.etag"],
            "contactid": contact_id,
            "fullname": "Ann",
        }
    ]
    assert re.fullmatch(r'W/"\d+"', body["value"][0]["@odata.etag"])


def test_without_select_every_column_is_present_with_nulls(org: Organisation) -> None:
    org.add(
        "contact", fullname="Ann", donotbulkemail=1, createdon="2024-01-02T03:04:05Z"
    )
    row = read(org, "contact")["value"][0]

    assert row["emailaddress1"] is None
    assert row["_parentcustomerid_value"] is None
    assert row["donotbulkemail"] is True
    assert row["createdon"] == "2024-01-02T03:04:05Z"


def test_unknown_select_and_unsupported_options_are_refused(org: Organisation) -> None:
    with pytest.raises(DataverseError) as unknown:
        read(org, "contact", **{"$select": "fullname,nosuch"})

    with pytest.raises(DataverseError) as skip:
        read(org, "contact", **{"$skip": "5"})

    assert unknown.value.code == "0x80060888"
    assert "nosuch" in unknown.value.message
    assert skip.value.status == 400


def test_orderby_and_top(org: Organisation) -> None:
    org.add_many(
        "contact",
        [
            {"fullname": name, "numberofchildren": kids}
            for name, kids in (("b", 1), ("a", 1), ("c", 0))
        ],
    )
    body = read(
        org,
        "contact",
        **{
            "$orderby": "numberofchildren desc,fullname asc",
            "$top": "2",
            "$select": "fullname",
        },
    )

    assert [row["fullname"] for row in body["value"]] == ["a", "b"]
    assert "@odata.nextLink" not in body


def test_top_is_ignored_when_a_page_size_is_asked_for(org: Organisation) -> None:
    contacts(org, 5)
    prefer = Preferences.parse("odata.maxpagesize=3")
    body = read(org, "contact", prefer, **{"$top": "1", "$select": "fullname"})

    assert len(body["value"]) == 3
    assert "@odata.nextLink" in body


def test_count_is_capped_at_5000(org: Organisation) -> None:
    contacts(org, 5003)
    prefer = Preferences.parse('odata.maxpagesize=1,odata.include-annotations="*"')
    body = read(org, "contact", prefer, **{"$count": "true", "$select": "fullname"})
    small = read(
        org, "contact", prefer, **{"$count": "true", "$filter": "fullname eq 'c00001'"}
    )

    assert body["@odata.count"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True
    assert small["@odata.count"] == 1


def test_next_link_carries_a_dataverse_shaped_paging_cookie(org: Organisation) -> None:
    contacts(org, 3)
    body = read(
        org,
        "contact",
        Preferences.parse("odata.maxpagesize=2"),
        **{"$select": "fullname"},
    )
    link = body["@odata.nextLink"]
    token = dict(parse_qsl(urlsplit(link).query))["$skiptoken"]

    assert link.startswith(f"{ROOT}contacts?$select=fullname&$skiptoken=")
    assert re.fullmatch(
        r'<cookie pagenumber="2" pagingcookie="[^"]+" istracking="False" />', token
    )
    inner = unquote(re.search(r'pagingcookie="([^"]+)"', token).group(1))
    assert inner.startswith('<cookie page="1"><contactid last="{')


def test_paging_neither_skips_nor_repeats_while_rows_are_inserted(
    org: Organisation,
) -> None:
    original = set(contacts(org, 120, prefix="m"))
    prefer = Preferences.parse("odata.maxpagesize=25")
    body = read(
        org, "contact", prefer, **{"$select": "fullname", "$orderby": "fullname desc"}
    )
    seen: list[str] = []

    while True:
        seen.extend(row["contactid"] for row in body["value"])
        # Rows sorting before, among and after the ones already read.
        contacts(org, 3, prefix=f"m{len(seen):03d}")
        contacts(org, 1, prefix="a")
        contacts(org, 1, prefix="z")

        if "@odata.nextLink" not in body:
            break

        body = follow(org, "contact", body["@odata.nextLink"], prefer)

    assert len(seen) == len(set(seen))
    assert original <= set(seen)


def test_paging_with_nulls_in_the_sort_column(org: Organisation) -> None:
    rows = [
        {"fullname": f"n{index}", "numberofchildren": None if index % 3 else index}
        for index in range(40)
    ]
    ids = set(org.add_many("contact", rows))
    prefer = Preferences.parse("odata.maxpagesize=7")

    for order in ("numberofchildren asc", "numberofchildren desc"):
        body = read(org, "contact", prefer, **{"$orderby": order})
        seen = [row["contactid"] for row in body["value"]]

        while "@odata.nextLink" in body:
            body = follow(org, "contact", body["@odata.nextLink"], prefer)
            seen.extend(row["contactid"] for row in body["value"])

        assert sorted(seen) == sorted(ids)


def test_a_tampered_skiptoken_is_refused(org: Organisation) -> None:
    with pytest.raises(DataverseError) as caught:
        read(
            org,
            "contact",
            **{"$skiptoken": "<cookie pagenumber='2' pagingcookie='junk' />"},
        )

    assert caught.value.status == 400


def test_formatted_values_and_lookup_annotations(org: Organisation) -> None:
    account_id = org.add("account", name="Contoso")
    org.add(
        "contact",
        fullname="Ann",
        statecode=1,
        donotbulkemail=1,
        creditlimit=1234.5,
        numberofchildren=12000,
        createdon="2023-04-07T21:59:01Z",
        birthdate="1990-05-01",
        parentcustomerid=account_id,
        parentcustomerid__type="account",
    )
    row = read(org, "contact", ALL_ANNOTATIONS)["value"][0]
    formatted = "@OData.Community.Display.V1.FormattedValue"

    assert row[f"statecode{formatted}"] == "Inactive"
    assert row[f"donotbulkemail{formatted}"] == "Do Not Allow"
    assert row[f"creditlimit{formatted}"] == "$1,234.50"
    assert row[f"numberofchildren{formatted}"] == "12,000"
    assert row[f"createdon{formatted}"] == "4/7/2023 9:59 PM"
    assert row[f"birthdate{formatted}"] == "5/1/1990"
    assert row[f"_parentcustomerid_value{formatted}"] == "Contoso"
    assert (
        row["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]
        == "account"
    )
    navigation = (
        "_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"
    )
    assert row[navigation] == "parentcustomerid_account"


def test_annotations_only_as_asked(org: Organisation) -> None:
    org.add("contact", fullname="Ann", statecode=0)
    only = Preferences.parse(
        'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    )
    row = read(org, "contact", only)["value"][0]
    plain = read(org, "contact")["value"][0]

    assert "statecode@OData.Community.Display.V1.FormattedValue" in row
    assert not any("@" in key for key in plain if key != "@odata.etag")
    assert (
        only.applied()
        == 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    )


def test_expand_a_lookup_and_a_one_to_many_collection(org: Organisation) -> None:
    contact_id = org.add("contact", fullname="Ann")
    account_id = org.add(
        "account",
        name="Contoso",
        primarycontactid=contact_id,
        primarycontactid__type="contact",
    )
    org.add(
        "contact",
        fullname="Bob",
        parentcustomerid=account_id,
        parentcustomerid__type="account",
    )
    org.add("account", name="Empty")
    body = read(
        org,
        "account",
        **{
            "$select": "name",
            "$orderby": "name",
            "$expand": "primarycontactid($select=fullname),"
            "contact_customer_accounts($select=fullname;$orderby=fullname)",
        },
    )
    contoso, empty = body["value"]

    assert contoso["primarycontactid"]["fullname"] == "Ann"
    assert contoso["primarycontactid"]["contactid"] == contact_id
    assert [item["fullname"] for item in contoso["contact_customer_accounts"]] == [
        "Bob"
    ]
    assert empty["primarycontactid"] is None
    assert empty["contact_customer_accounts"] == []
    assert body["@odata.context"].endswith(
        "#accounts(name,primarycontactid(fullname),contact_customer_accounts(fullname))"
    )


def test_expand_many_to_many_with_nested_filter(org: Organisation) -> None:
    list_id = org.add("list", listname="Members")
    for name in ("Ann", "Bob", "Cid"):
        org.link("listcontact_association", list_id, org.add("contact", fullname=name))

    body = read_record(
        org.database,
        org.table("list"),
        list_id,
        {
            "$select": "listname",
            "$expand": "listcontact_association($select=fullname;"
            "$filter=fullname ne 'Bob';$orderby=fullname desc;$top=1)",
        },
        Preferences(),
        f"{ROOT}lists({list_id})",
    )

    assert [item["fullname"] for item in body["listcontact_association"]] == ["Cid"]
    assert body["@odata.context"].endswith("/$entity")


def test_expand_rules_dataverse_enforces(org: Organisation) -> None:
    with pytest.raises(DataverseError) as caught:
        read(org, "account", **{"$expand": "primarycontactid($orderby=fullname)"})

    with pytest.raises(DataverseError) as unknown:
        read(org, "account", **{"$expand": "nosuchnavigation"})

    assert caught.value.code == "0x80060888"
    assert caught.value.message.startswith(
        "Only $select and $filter clause can be provided"
    )
    assert "nosuchnavigation" in unknown.value.message


def test_members_through_a_collection_navigation_property(org: Organisation) -> None:
    list_id = org.add("list", listname="Members")
    other_id = org.add("list", listname="Other")
    members = {org.add("contact", fullname=f"m{index}") for index in range(3)}
    for contact_id in members:
        org.link("listcontact_association", list_id, contact_id)
    org.link("listcontact_association", other_id, org.add("contact", fullname="x"))
    scope = navigation_scope(
        org.schema, org.table("list"), "listcontact_association", list_id
    )
    url = f"{ROOT}lists({list_id})/listcontact_association?$select=fullname"
    body = read_collection(
        org.database,
        scope.target,
        {"$select": "fullname"},
        Preferences.parse("odata.maxpagesize=2"),
        url,
        scope,
    )
    first_page = [row["contactid"] for row in body["value"]]
    link = body["@odata.nextLink"]
    options = dict(parse_qsl(urlsplit(link).query))
    prefer = Preferences.parse("odata.maxpagesize=2")
    rest = read_collection(org.database, scope.target, options, prefer, link, scope)
    seen = first_page + [row["contactid"] for row in rest["value"]]

    assert scope.target.logical_name == "contact"
    assert link.startswith(f"{ROOT}lists({list_id})/listcontact_association?")
    assert len(first_page) == 2
    assert sorted(seen) == sorted(members)
    assert "@odata.nextLink" not in rest


def test_read_record_and_not_found(org: Organisation) -> None:
    contact_id = org.add("contact", fullname="Ann")
    body = read_record(
        org.database,
        org.table("contact"),
        contact_id.upper(),
        {"$select": "fullname"},
        Preferences(),
    )
    missing = str(uuid.uuid4())

    with pytest.raises(DataverseError) as caught:
        read_record(org.database, org.table("contact"), missing, {}, Preferences())

    assert body["fullname"] == "Ann"
    assert (caught.value.status, caught.value.code) == (404, "0x80040217")


def test_prefer_header_parsing() -> None:
    prefer = Preferences.parse(
        'return=representation, odata.include-annotations="Microsoft.Dynamics.CRM.*,'
        '-Microsoft.Dynamics.CRM.morerecords", odata.maxpagesize=9000, '
        "odata.continue-on-error"
    )

    assert prefer.return_representation
    assert prefer.continue_on_error
    assert prefer.page_size() == 5000
    assert prefer.wants("Microsoft.Dynamics.CRM.lookuplogicalname")
    assert not prefer.wants("Microsoft.Dynamics.CRM.morerecords")
    assert not prefer.wants("OData.Community.Display.V1.FormattedValue")
    assert "odata.maxpagesize=5000" in (prefer.applied() or "")
