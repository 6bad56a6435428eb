"""pocc.dataverse.query: OData literals and filters built from Python values.

The sandbox tests (test_client_records.py) send these filters for real; these pin the
text Dataverse documents (reference notes, 2.3).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pocc.dataverse.query import Query, all_of, column, format_key, literal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("O'Brien", "'O''Brien'"),
        ("it's '' two", "'it''s '''' two'"),
        ("ann+news@example.com", "'ann+news@example.com'"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (42, "42"),
        (2.5, "2.5"),
        (Decimal("10.50"), "10.50"),
        (
            uuid.UUID("6A0C3D6E-9B0B-4F7E-8C5B-7E2A9C1D3F00"),
            "6a0c3d6e-9b0b-4f7e-8c5b-7e2a9c1d3f00",
        ),
        (
            datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            "2024-03-01T10:00:00Z",
        ),
        (date(2024, 3, 1), "2024-03-01"),
    ],
)
def test_literals(value, text):
    assert literal(value) == text


def test_a_naive_datetime_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="time zone"):
        literal(datetime(2024, 3, 1, 12, 0))


def test_a_quote_cannot_end_the_string_and_inject_a_condition():
    hostile = "x' or statecode eq 1 or lastname eq '"
    params = Query(filter=column("lastname").eq(hostile)).params()

    assert params["$filter"] == "lastname eq 'x'' or statecode eq 1 or lastname eq '''"


def test_a_column_name_cannot_carry_an_expression():
    with pytest.raises(ValueError, match="not a valid column"):
        column("lastname eq 'a' or true")

    with pytest.raises(ValueError, match="not a valid column"):
        Query(select=["fullname,(select)"]).params()

    with pytest.raises(ValueError, match="not 'column' or"):
        Query(orderby=["createdon; drop"]).params()


def test_filters_combine_with_parentheses():
    where = (column("statecode").eq(0) | column("statecode").eq(1)) & ~column(
        "emailaddress1"
    ).is_null()

    assert where.render({}) == (
        "((statecode eq 0 or statecode eq 1) and not emailaddress1 eq null)"
    )


def test_in_uses_the_documented_inline_form_for_plain_values():
    params = Query(filter=column("statecode").in_([0, 1])).params()

    assert params == {
        "$filter": "Microsoft.Dynamics.CRM.In(PropertyName='statecode',"
        "PropertyValues=['0','1'])"
    }


def test_in_with_an_apostrophe_uses_parameter_aliases():
    where = all_of(
        [column("statecode").eq(0), column("lastname").in_(["O'Brian", "OBrian"])]
    )
    params = Query(filter=where).params()

    assert params["$filter"] == (
        "(statecode eq 0 and "
        "Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2))"
    )
    assert params["@p1"] == "'lastname'"
    assert params["@p2"] == '["O\'Brian", "OBrian"]'


def test_an_empty_in_is_refused():
    with pytest.raises(ValueError, match="empty list"):
        column("statecode").in_([])


def test_string_functions():
    assert column("fullname").contains("a'b").render({}) == "contains(fullname,'a''b')"
    assert column("name").startswith("Co").render({}) == "startswith(name,'Co')"


def test_query_options():
    params = Query(
        select=["fullname", "emailaddress1"],
        orderby=["lastname", "createdon DESC"],
        expand=["parentcustomerid_account($select=name)"],
        top=10,
        count=True,
    ).params()

    assert params == {
        "$select": "fullname,emailaddress1",
        "$orderby": "lastname asc,createdon desc",
        "$expand": "parentcustomerid_account($select=name)",
        "$top": "10",
        "$count": "true",
    }


def test_keys_are_guids_or_alternate_keys_made_url_safe():
    guid = uuid.uuid4()

    assert format_key(guid) == f"({guid})"
    assert format_key(str(guid).upper()) == f"({guid})"
    assert format_key({"pocc_ccid": "a/b?c#d'e"}) == "(pocc_ccid='a%2Fb%3Fc%23d''e')"
    assert format_key({"contactnumber": 1, "name": "x"}) == "(contactnumber=1,name='x')"

    with pytest.raises(ValueError, match="not a GUID"):
        format_key("contacts(1)/x")


def test_a_utc_datetime_keeps_its_time():
    assert literal(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
