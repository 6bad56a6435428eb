"""Hostile `$filter`, query options and FetchXML are refused or treated as data.

Each attempt runs against real SQLite storage; afterwards every table must still be
there with all its rows, and no query may return a row its filter does not match.
"""

from __future__ import annotations

import pytest

from pocc.sandbox.dataverse import fetchxml
from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.preferences import Preferences
from pocc.sandbox.dataverse.query import read_collection
from tests.sandbox.dataverse.query_fixtures import Organisation

URL = "https://localhost/dataverse/contoso/api/data/v9.2/contacts"
DROP = "x'; DROP TABLE contact; --"

HOSTILE_FILTERS = [
    f"fullname eq '{DROP}'",
    "fullname eq 'x' or 1 eq 1",
    "fullname eq 'x') OR (1=1",
    "fullname eq 'x'' OR ''1''=''1'",
    "fullname; DROP TABLE contact eq 'x'",
    'fullname eq "x" OR "1"="1"',
    "contains(fullname,'%') or fullname eq null; --",
    "contains(fullname,'x'' OR 1=1 --')",
    "Microsoft.Dynamics.CRM.In(PropertyName='fullname) OR (1=1',PropertyValues=['a'])",
    "Microsoft.Dynamics.CRM.In(PropertyName='fullname',"
    "PropertyValues=['a'') OR 1=1 --'])",
    "_parentcustomerid_value eq 00000000-0000-0000-0000-000000000000 or 1=1",
    "fullname eq @p1",
    "sqlite_master/name eq 'contact'",
]
HOSTILE_OPTIONS = [
    {"$select": "fullname,(SELECT 1)"},
    {"$select": 'fullname" FROM contact; DROP TABLE contact; --'},
    {"$orderby": "fullname; DROP TABLE contact"},
    {"$orderby": "(CASE WHEN 1=1 THEN fullname END)"},
    {"$top": "1; DROP TABLE contact"},
    {"$expand": "listcontact_association($filter=1 eq 1 or fullname eq 'x')"},
    {
        "$skiptoken": '<cookie pagenumber="2" pagingcookie="%3Ccookie%3E%3Ccontactid '
        "last=%22x' OR 1=1 --%22/%3E%3C/cookie%3E\" />"
    },
]
HOSTILE_FETCHES = [
    "<fetch><entity name='contact'><attribute name='fullname\" FROM contact --'/>"
    "</entity></fetch>",
    "<fetch><entity name='contact'><filter><condition attribute='fullname' "
    f"operator='eq' value=\"{DROP}\"/></filter></entity></fetch>",
    "<fetch><entity name='contact'><filter><condition attribute='1=1 OR fullname' "
    "operator='eq' value='x'/></filter></entity></fetch>",
    "<fetch><entity name='contact'><order attribute='fullname; DROP TABLE contact'/>"
    "</entity></fetch>",
    "<fetch><entity name='contact'><link-entity name='sqlite_master' from='name' "
    "to='fullname'/></entity></fetch>",
    "<fetch count='1; DROP TABLE contact'><entity name='contact'/></fetch>",
    "<!DOCTYPE fetch [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><fetch><entity "
    "name='contact'><filter><condition attribute='fullname' operator='eq' value='&x;'/>"
    "</filter></entity></fetch>",
    "<!DOCTYPE fetch [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
    "<fetch><entity name='contact'><filter><condition attribute='fullname' "
    "operator='eq' value='&b;'/></filter></entity></fetch>",
]


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Organisation:
    org = Organisation(tmp_path_factory.mktemp("injection"))
    org.add_many("contact", [{"fullname": f"person {index}"} for index in range(5)])
    org.add("contact", fullname=DROP)
    list_id = org.add("list", listname="L")
    org.link("listcontact_association", list_id, org.add("contact", fullname="member"))
    return org


@pytest.fixture(autouse=True)
def storage_survives(org: Organisation):
    before = _row_counts(org)
    yield
    assert _row_counts(org) == before


def _row_counts(org: Organisation) -> dict[str, int]:
    connection = org.database.connection()
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
        for name in names
    }


def read(org: Organisation, options: dict[str, str]) -> list[dict]:
    table = org.table("contact")
    body = read_collection(org.database, table, options, Preferences(), URL)
    return body["value"]


@pytest.mark.parametrize("text", HOSTILE_FILTERS)
def test_hostile_filter_is_refused_or_matches_as_data(
    org: Organisation, text: str
) -> None:
    try:
        rows = read(org, {"$filter": text, "@p1": f"'{DROP}'"})
    except DataverseError as error:
        refusal = error
    else:
        refusal = None

    if refusal is not None:
        assert refusal.status == 400
        return

    # Accepted only where the hostile text was a literal value: it then matches
    # the one row that holds exactly that text, or nothing.
    assert [row["fullname"] for row in rows] in ([], [DROP])


@pytest.mark.parametrize(
    "options", HOSTILE_OPTIONS, ids=lambda options: next(iter(options))
)
def test_hostile_query_options_are_refused(org: Organisation, options: dict) -> None:
    with pytest.raises(DataverseError) as caught:
        read(org, options)

    assert caught.value.status == 400


@pytest.mark.parametrize("document", HOSTILE_FETCHES)
def test_hostile_fetchxml_is_refused_or_matches_as_data(
    org: Organisation, document: str
) -> None:
    try:
        body = fetchxml.execute(
            org.database, org.table("contact"), document, Preferences()
        )
    except DataverseError as error:
        refusal = error
    else:
        refusal = None

    if refusal is not None:
        assert refusal.status == 400
        return

    assert [row["fullname"] for row in body["value"]] in ([], [DROP])


def test_wildcards_in_contains_match_rows_but_reach_no_other_table(
    org: Organisation,
) -> None:
    rows = read(org, {"$filter": "contains(fullname,'%')", "$select": "fullname"})
    assert len(rows) == 7
    assert all(set(row) == {"@odata.etag", "contactid", "fullname"} for row in rows)
