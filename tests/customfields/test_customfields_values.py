"""How one record's value is written for Constant Contact (no services needed)."""

from __future__ import annotations

import pytest

from pocc.customfields import CustomField
from pocc.customfields.columns import FORMATTED_VALUE
from pocc.customfields.values import MissingDisplayValueError, field_value


def field(column: str, attribute_type: str) -> CustomField:
    return CustomField(column, "x", "string", attribute_type)


def test_a_date_only_column_is_written_month_day_year() -> None:
    assert field_value({"birthdate": "1990-05-17"}, field("birthdate", "DateTime")) == (
        "05/17/1990"
    )


def test_a_date_and_time_column_gives_its_utc_day() -> None:
    record = {"lastusedon": "2024-03-10T23:30:00Z"}
    assert field_value(record, field("lastusedon", "DateTime")) == "03/10/2024"


def test_a_choice_travels_as_its_label_not_its_code() -> None:
    record = {"gendercode": 2, f"gendercode@{FORMATTED_VALUE}": "Female"}
    assert field_value(record, field("gendercode", "Picklist")) == "Female"


def test_a_lookup_travels_as_the_name_of_the_record_it_points_at() -> None:
    record = {
        "_parentcustomerid_value": "5b1e0d3c-0000-0000-0000-000000000001",
        f"_parentcustomerid_value@{FORMATTED_VALUE}": "Fabrikam",
    }
    assert field_value(record, field("parentcustomerid", "Customer")) == "Fabrikam"


def test_a_choice_without_its_label_is_refused_rather_than_sent_as_a_code() -> None:
    with pytest.raises(MissingDisplayValueError, match="gendercode"):
        field_value({"gendercode": 2}, field("gendercode", "Picklist"))


def test_numbers_carry_no_thousands_separators_or_trailing_zeros() -> None:
    assert field_value({"n": 12000}, field("n", "Integer")) == "12000"
    assert field_value({"n": 1234.50}, field("n", "Money")) == "1234.5"


def test_an_empty_value_is_left_out() -> None:
    assert field_value({"description": ""}, field("description", "Memo")) is None
    assert field_value({}, field("description", "Memo")) is None
