"""FetchXML over the Web API: validated as Fetch.xsd says, run, paged (notes 2.11)."""

from __future__ import annotations

import re
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

import pytest
import xmlschema

from pocc.sandbox.dataverse import fetchxml
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.fetchxml_schema import validate
from pocc.sandbox.dataverse.preferences import Preferences
from tests.reference import reference_path
from tests.sandbox.dataverse.query_fixtures import Organisation

PAGING = Preferences.parse(
    'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
    'Microsoft.Dynamics.CRM.morerecords"'
)

VALID = [
    "<fetch><entity name='contact'/></fetch>",
    "<fetch version='1.0' output-format='xml-platform' mapping='logical' "
    "distinct='false'>"
    "<entity name='contact'><attribute name='fullname'/><order attribute='fullname' "
    "descending='false'/><filter type='and'><condition attribute='statecode' "
    "operator='eq' value='0'/><filter type='or'><condition attribute='fullname' "
    "operator='like' value='%a%'/><condition attribute='emailaddress1' "
    "operator='not-null'/></filter></filter></entity></fetch>",
    "<fetch count='50' page='2' paging-cookie='&lt;cookie page=\"1\"/&gt;'><entity "
    "name='contact'><all-attributes/><link-entity name='account' from='accountid' "
    "to='parentcustomerid' alias='a' link-type='outer'><attribute name='name'/>"
    "</link-entity></entity></fetch>",
    "<fetch top='5'><entity name='contact'><filter><condition attribute='statecode' "
    "operator='in'><value>0</value><value uiname='x'>1</value></condition></filter>"
    "</entity></fetch>",
    "<fetch utc-offset=''><entity name='contact'/></fetch>",
]
INVALID = [
    "<fetch><entity/></fetch>",
    "<fetch><entity name='contact'><condition attribute='x' operator='eq'/>"
    "</entity></fetch>",
    "<fetch><entity name='contact'><filter><condition attribute='x' operator='bogus'/>"
    "</filter></entity></fetch>",
    "<fetch><entity name='contact'><filter><condition attribute='x'/></filter>"
    "</entity></fetch>",
    "<fetch count='ten'><entity name='contact'/></fetch>",
    "<fetch><entity name='contact' colour='red'/></fetch>",
    "<fetch><entity name='contact'><attribute name='fullname'>text</attribute>"
    "</entity></fetch>",
    "<fetch><entity name='contact'><filter type='xor'/></entity></fetch>",
    "<fetch mapping='physical'><entity name='contact'/></fetch>",
    "<fetch><entity name='contact'><link-entity from='a' to='b'/></entity></fetch>",
    "<fetch><entity name='contact'><order descending='maybe'/></entity></fetch>",
    "<fetch xmlns='urn:other'><entity name='contact'/></fetch>",
]


@pytest.fixture(scope="module")
def fetch_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(
        str(reference_path("solution-schema/9.0.0.2090/Fetch.xsd"))
    )


@pytest.mark.reference
@pytest.mark.parametrize("document", VALID + INVALID)
def test_validator_agrees_with_the_real_fetch_xsd(fetch_schema, document: str) -> None:
    root = fetchxml.parse_document(document)

    try:
        validate(root)
        ours = True
    except DataverseError:
        ours = False

    assert ours == fetch_schema.is_valid(document)
    assert ours == (document in VALID)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Organisation:
    org = Organisation(tmp_path_factory.mktemp("fetch"))
    contoso = org.add("account", name="Contoso")
    rows = [
        {
            "fullname": f"c{index:02d}",
            "statecode": index % 2,
            "emailaddress1": f"c{index}@example.com" if index % 3 else None,
            "createdon": f"2024-01-{index + 1:02d}T10:00:00Z",
            "parentcustomerid": contoso if index < 4 else None,
            "parentcustomerid__type": "account" if index < 4 else None,
        }
        for index in range(12)
    ]
    org.add_many("contact", rows)
    return org


def run(org: Organisation, document: str, prefer: Preferences = PAGING) -> dict:
    return fetchxml.execute(org.database, org.table("contact"), document, prefer)


def names(body: dict) -> list[str]:
    return [row["fullname"] for row in body["value"]]


def test_null_columns_are_left_out_of_rows(org: Organisation) -> None:
    body = run(
        org,
        "<fetch><entity name='contact'><attribute name='fullname'/>"
        "<attribute name='emailaddress1'/><filter><condition "
        "attribute='fullname' operator='eq' value='c00'/></filter></entity></fetch>",
    )

    (row,) = body["value"]
    assert "emailaddress1" not in row
    assert row["fullname"] == "c00"
    assert "contactid" in row
    assert "@odata.etag" in row


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            "<condition attribute='fullname' operator='like' value='c1%'/>",
            ["c10", "c11"],
        ),
        (
            "<condition attribute='fullname' operator='begins-with' value='C1'/>",
            ["c10", "c11"],
        ),
        (
            "<condition attribute='fullname' operator='ends-with' value='1'/>",
            ["c01", "c11"],
        ),
        (
            "<condition attribute='fullname' operator='in'><value>c03</value>"
            "<value>c05</value></condition>",
            ["c03", "c05"],
        ),
        (
            "<condition attribute='createdon' operator='on-or-after' "
            "value='2024-01-11'/>",
            ["c10", "c11"],
        ),
        (
            "<condition attribute='createdon' operator='on' value='2024-01-03'/>",
            ["c02"],
        ),
        (
            "<condition attribute='emailaddress1' operator='null'/><condition "
            "attribute='statecode' operator='ne' value='1'/>",
            ["c00", "c06"],
        ),
        (
            "<condition attribute='fullname' operator='between'><value>c02</value>"
            "<value>c04</value></condition>",
            ["c02", "c03", "c04"],
        ),
    ],
)
def test_condition_operators(
    org: Organisation, condition: str, expected: list[str]
) -> None:
    body = run(
        org,
        f"<fetch><entity name='contact'><attribute name='fullname'/>"
        f"<order attribute='fullname'/><filter>{condition}</filter>"
        "</entity></fetch>",
    )
    assert names(body) == expected


def test_nested_or_filter(org: Organisation) -> None:
    body = run(
        org,
        "<fetch><entity name='contact'><attribute name='fullname'/>"
        "<order attribute='fullname'/><filter type='or'><condition "
        "attribute='fullname' operator='eq' value='c01'/><filter><condition "
        "attribute='statecode' operator='eq' value='1'/><condition "
        "attribute='fullname' operator='ge' value='c09'/></filter></filter>"
        "</entity></fetch>",
    )
    assert names(body) == ["c01", "c09", "c11"]


def test_link_entities_inner_and_outer(org: Organisation) -> None:
    link = (
        "<link-entity name='account' from='accountid' to='parentcustomerid' "
        "alias='a' link-type='{kind}'><attribute name='name'/></link-entity>"
    )
    template = (
        "<fetch><entity name='contact'><attribute name='fullname'/>"
        "<order attribute='fullname'/>{link}</entity></fetch>"
    )
    inner = run(org, template.format(link=link.format(kind="inner")))
    outer = run(org, template.format(link=link.format(kind="outer")))

    assert names(inner) == ["c00", "c01", "c02", "c03"]
    assert inner["value"][0]["a.name"] == "Contoso"
    assert len(outer["value"]) == 12
    assert "a.name" not in outer["value"][-1]


def test_link_entity_filter_and_condition_on_a_link_alias(org: Organisation) -> None:
    body = run(
        org,
        "<fetch><entity name='contact'><attribute name='fullname'/>"
        "<order attribute='fullname'/><link-entity name='account' "
        "from='accountid' to='parentcustomerid' alias='a' link-type='outer'/>"
        "<filter><condition entityname='a' attribute='name' operator='null'/>"
        "</filter></entity></fetch>",
    )
    assert names(body)[:2] == ["c04", "c05"]
    assert len(body["value"]) == 8


def test_paging_with_cookie_until_morerecords_is_gone(org: Organisation) -> None:
    template = (
        "<fetch count='5' page='{page}'{cookie}><entity name='contact'>"
        "<attribute name='fullname'/><order attribute='fullname' descending='true'/>"
        "</entity></fetch>"
    )
    page, cookie, seen = 1, "", []

    while True:
        body = run(org, template.format(page=page, cookie=cookie))
        seen.extend(names(body))

        if not body.get("@Microsoft.Dynamics.CRM.morerecords"):
            break

        outer = body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
        assert re.match(rf'<cookie pagenumber="{page + 1}" pagingcookie="%25', outer)
        encoded = re.search(r'pagingcookie="([^"]+)"', outer).group(1)
        cookie = f" paging-cookie={quoteattr(unquote(unquote(encoded)))}"
        page += 1

    assert seen == [f"c{index:02d}" for index in reversed(range(12))]
    assert "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie" not in body
    assert page == 3


def test_page_without_cookie_counts_rows(org: Organisation) -> None:
    body = run(
        org,
        "<fetch count='4' page='3'><entity name='contact'>"
        "<attribute name='fullname'/><order attribute='fullname'/></entity></fetch>",
    )
    assert names(body) == ["c08", "c09", "c10", "c11"]


def refused(org: Organisation, document: str) -> DataverseError:
    with pytest.raises(DataverseError) as caught:
        run(org, document)

    return caught.value


def test_invalid_documents_are_answered_as_dataverse_does(org: Organisation) -> None:
    malformed = refused(org, "<fetch><entity name='contact'></fetch>")
    unknown = refused(
        org, "<fetch><entity name='contact'><attribute name='nosuch'/></entity></fetch>"
    )
    other_table = refused(org, "<fetch><entity name='account'/></fetch>")
    schema = refused(org, "<fetch><entity name='contact'><bogus/></entity></fetch>")

    assert (malformed.status, malformed.code, malformed.message) == (
        400,
        "0x80040201",
        "Invalid XML.",
    )
    assert unknown.code == "0x80041103"
    assert unknown.message == (
        "'contact' entity doesn't contain attribute with Name = "
        "'nosuch' and NameMapping = 'Logical'."
    )
    assert "does not match the entity name" in other_table.message
    assert schema.code == "0x80040203"
    assert "invalid child element 'bogus'" in schema.message


def test_a_dynamic_marketing_list_query_runs_as_stored(org: Organisation) -> None:
    # The shape Dataverse's advanced find writes into list.query.
    stored = (
        '<fetch version="1.0" output-format="xml-platform" mapping="logical" '
        'distinct="false"><entity name="contact"><attribute name="fullname"/>'
        '<attribute name="contactid"/><order attribute="fullname" descending="false"/>'
        '<filter type="and"><condition attribute="statecode" operator="eq" value="0"/>'
        '</filter><link-entity name="account" from="accountid" to="parentcustomerid" '
        'link-type="inner" alias="ab"><filter type="and"><condition attribute="name" '
        'operator="like" value="%tos%"/></filter></link-entity></entity></fetch>'
    )
    assert names(run(org, stored)) == ["c00", "c02"]
