"""`$filter` as Dataverse documents it (notes 2.3), run against real SQLite storage."""

from __future__ import annotations

import pytest

from pocc.sandbox.dataverse.errors import DataverseError
from pocc.sandbox.dataverse.preferences import Preferences
from pocc.sandbox.dataverse.query import read_collection
from tests.sandbox.dataverse.query_fixtures import Organisation

URL = "https://localhost/dataverse/contoso/api/data/v9.2/contacts"
CONTOSO = "1b2c3d4e-0000-4000-8000-00000000000a"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Organisation:
    org = Organisation(tmp_path_factory.mktemp("filter"))
    org.add("account", accountid=CONTOSO, name="Contoso")
    people = [
        {
            "fullname": "Ann O'Brian",
            "emailaddress1": "ann@example.com",
            "statecode": 0,
            "numberofchildren": 2,
            "donotbulkemail": 0,
            "creditlimit": 100.5,
            "createdon": "2024-01-10T08:00:00Z",
            "birthdate": "1990-05-01",
            "parentcustomerid": CONTOSO,
            "parentcustomerid__type": "account",
        },
        {
            "fullname": "Bob Smith",
            "emailaddress1": "BOB@EXAMPLE.COM",
            "statecode": 1,
            "numberofchildren": 0,
            "donotbulkemail": 1,
            "creditlimit": 2000.0,
            "createdon": "2024-03-01T12:30:00Z",
        },
        {
            "fullname": "Carla 100% Real",
            "statecode": 0,
            "numberofchildren": 5,
            "donotbulkemail": 0,
            "createdon": "2023-12-31T23:59:59Z",
        },
        {"fullname": "Dan_Underscore", "statecode": 0, "donotbulkemail": 0},
    ]
    org.add_many("contact", people)
    return org


def names(org: Organisation, text: str, **aliases: str) -> list[str]:
    options = {"$filter": text, "$select": "fullname", "$orderby": "fullname"}
    options.update({f"@{name}": value for name, value in aliases.items()})
    body = read_collection(
        org.database, org.table("contact"), options, Preferences(), URL
    )
    return [row["fullname"] for row in body["value"]]


def refused(org: Organisation, text: str) -> DataverseError:
    with pytest.raises(DataverseError) as caught:
        names(org, text)

    return caught.value


def test_comparison_operators_on_numbers(org: Organisation) -> None:
    assert names(org, "numberofchildren gt 1") == ["Ann O'Brian", "Carla 100% Real"]
    assert names(org, "numberofchildren ge 2 and numberofchildren le 2") == [
        "Ann O'Brian"
    ]
    assert names(org, "numberofchildren lt 1") == ["Bob Smith"]


def test_string_equality_is_case_insensitive(org: Organisation) -> None:
    assert names(org, "emailaddress1 eq 'bob@example.com'") == ["Bob Smith"]


def test_ne_leaves_out_rows_that_hold_null(org: Organisation) -> None:
    assert names(org, "emailaddress1 ne 'ann@example.com'") == ["Bob Smith"]


def test_null_comparisons(org: Organisation) -> None:
    assert names(org, "emailaddress1 eq null") == ["Carla 100% Real", "Dan_Underscore"]
    assert names(org, "emailaddress1 ne null") == ["Ann O'Brian", "Bob Smith"]


def test_logical_operators_not_and_parentheses(org: Organisation) -> None:
    text = "(statecode eq 1 or numberofchildren eq 5) and not (fullname eq 'Bob Smith')"
    assert names(org, text) == ["Carla 100% Real"]


def test_doubled_quote_in_a_string_literal(org: Organisation) -> None:
    assert names(org, "fullname eq 'Ann O''Brian'") == ["Ann O'Brian"]


def test_string_functions_are_case_insensitive(org: Organisation) -> None:
    assert names(org, "contains(fullname,'SMITH')") == ["Bob Smith"]
    assert names(org, "startswith(fullname,'ann')") == ["Ann O'Brian"]
    assert names(org, "endswith(fullname,'real')") == ["Carla 100% Real"]


def test_contains_honours_sql_wildcards_as_dataverse_does(org: Organisation) -> None:
    # `_` matches any one character and `%` any run, as in Dataverse.
    assert names(org, "contains(fullname,'n_U')") == ["Dan_Underscore"]
    assert names(org, "startswith(fullname,'A%Brian')") == ["Ann O'Brian"]


def test_lookup_value_and_guid_literal(org: Organisation) -> None:
    assert names(org, f"_parentcustomerid_value eq {CONTOSO}") == ["Ann O'Brian"]


def test_navigation_through_a_lookup(org: Organisation) -> None:
    assert names(org, "parentcustomerid_account/name eq 'contoso'") == ["Ann O'Brian"]


def test_boolean_date_and_money_literals(org: Organisation) -> None:
    assert names(org, "donotbulkemail eq true") == ["Bob Smith"]
    assert names(org, "createdon ge 2024-01-01T00:00:00Z") == [
        "Ann O'Brian",
        "Bob Smith",
    ]
    assert names(org, "createdon lt 2024-01-10T09:00:00+02:00") == ["Carla 100% Real"]
    assert names(org, "birthdate eq 1990-05-01") == ["Ann O'Brian"]
    assert names(org, "creditlimit gt 1000") == ["Bob Smith"]


def test_crm_in_not_in_and_between(org: Organisation) -> None:
    text = (
        "Microsoft.Dynamics.CRM.In(PropertyName='numberofchildren',"
        "PropertyValues=['0','5'])"
    )
    assert names(org, text) == ["Bob Smith", "Carla 100% Real"]
    text = "Microsoft.Dynamics.CRM.NotIn(PropertyName='statecode',PropertyValues=['1'])"
    assert names(org, text) == ["Ann O'Brian", "Carla 100% Real", "Dan_Underscore"]
    text = (
        "Microsoft.Dynamics.CRM.Between(PropertyName='numberofchildren',"
        'PropertyValues=["1","4"])'
    )
    assert names(org, text) == ["Ann O'Brian"]


def test_crm_null_and_not_null(org: Organisation) -> None:
    text = "Microsoft.Dynamics.CRM.Null(PropertyName='numberofchildren')"
    assert names(org, text) == ["Dan_Underscore"]
    text = "Microsoft.Dynamics.CRM.NotNull(PropertyName='emailaddress1')"
    assert names(org, text) == ["Ann O'Brian", "Bob Smith"]


def test_parameter_aliases_carry_apostrophes(org: Organisation) -> None:
    text = "Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)"
    found = names(org, text, p1="'fullname'", p2='["Ann O\'Brian","Nobody"]')
    assert found == ["Ann O'Brian"]
    assert names(org, "fullname eq @p1", p1="'Bob Smith'") == ["Bob Smith"]


def test_unknown_column_is_refused_with_dataverses_message(org: Organisation) -> None:
    error = refused(org, "nosuchcolumn eq 1")
    assert (error.status, error.code) == (400, "0x80060888")
    assert error.message == (
        "Could not find a property named 'nosuchcolumn' on type "
        "'Microsoft.Dynamics.CRM.contact'."
    )


def test_a_lookup_is_filtered_only_by_its_value_property(org: Organisation) -> None:
    assert "parentcustomerid" in refused(org, f"parentcustomerid eq {CONTOSO}").message


def test_wrong_literal_type_is_refused(org: Organisation) -> None:
    error = refused(org, "donotbulkemail eq 1")
    assert error.code == "0x80060888"
    assert error.message == (
        "A binary operator with incompatible types was detected. Found operand types "
        "'Edm.Boolean' and 'Edm.Int32' for operator kind 'Equal'."
    )
    assert "Edm.String" in refused(org, "numberofchildren eq '2'").message


def test_syntax_errors_name_the_position(org: Organisation) -> None:
    assert (
        refused(org, "fullname eq").message
        == "Syntax error at position 11 in 'fullname eq'."
    )
    assert refused(org, "fullname eq 'unterminated").status == 400
    assert refused(org, "(fullname eq 'x'").status == 400
    assert refused(org, "fullname eq 'x' fullname").status == 400


def test_unknown_function_is_refused(org: Organisation) -> None:
    assert "unknown function" in refused(org, "substringof('x',fullname)").message
    assert (
        refused(
            org,
            "Microsoft.Dynamics.CRM.LastXDays("
            "PropertyName='createdon',PropertyValue=3)",
        ).status
        == 400
    )
