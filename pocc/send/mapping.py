"""A D365 contact, lead or account as a Constant Contact JSON import row.

Standard fields go where Constant Contact takes them: names, job title, company,
business and mobile phones, the first address, and a contact's birthday (month and
day; Constant Contact keeps no year). Columns mapped in `pocc_customfield` travel as
`cf:<Constant Contact name>`, formatted by `pocc.customfields.values` (dates, choice
labels, lookup names), after `pocc.customfields` has checked every mapping and, given
the Constant Contact client, created missing fields. Constant Contact's lengths are
shorter than Dataverse's (50 for names, titles, companies, cities; 255 for streets
and custom fields): the import step cuts such values to fit and counts each cut on
the job rather than refusing the contact; the address itself is never cut.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pocc.customfields import CustomField, load_custom_fields
from pocc.customfields.mappings import CUSTOM_FIELDS, TABLES
from pocc.customfields.values import field_value
from pocc.dataverse import DataverseClient
from pocc.send import eligibility

logger = logging.getLogger(__name__)

__all__ = ["CUSTOM_FIELDS", "CustomField", "FieldMap", "read_field_map"]

# pocc_customfield.pocc_table choice -> table logical name.
CUSTOM_FIELD_TABLES = TABLES

_ADDRESS = {
    "address1_line1": "street",
    "address1_city": "city",
    "address1_stateorprovince": "state",
    "address1_postalcode": "zip",
    "address1_country": "country",
}
_PEOPLE = {
    "firstname": "first_name",
    "lastname": "last_name",
    "jobtitle": "job_title",
    "telephone1": "work_phone",
    "mobilephone": "mobile_phone",
    **_ADDRESS,
}
# Table -> {D365 column: import field}.
STANDARD_FIELDS: dict[str, dict[str, str]] = {
    "contact": dict(_PEOPLE),
    "lead": {**_PEOPLE, "companyname": "company_name"},
    "account": {"name": "company_name", "telephone1": "work_phone", **_ADDRESS},
}
# Read too: the address, the record's state and when it last changed (for dedupe).
COMMON_COLUMNS = ("emailaddress1", "modifiedon", *eligibility.COLUMNS)
BIRTHDAY_COLUMN = "birthdate"


@dataclass(frozen=True)
class FieldMap:
    """What to read from each table and how to write it as an import row."""

    custom: Mapping[str, tuple[CustomField, ...]]

    def columns(self, table: str) -> list[str]:
        """The columns to read for `table`, each once."""
        names = [*COMMON_COLUMNS, *STANDARD_FIELDS[table]]

        if table == "contact":
            names.append(BIRTHDAY_COLUMN)

        names.extend(field.property_name for field in self.custom.get(table, ()))
        return list(dict.fromkeys(names))

    @property
    def needs_formatted_values(self) -> bool:
        """True when a mapped column travels as its label or name, which the member
        read must then ask Dataverse for (`FormattedValue` annotations)."""
        return any(
            field.formatted for fields in self.custom.values() for field in fields
        )

    def import_row(
        self, table: str, record: Mapping[str, Any], address: str
    ) -> dict[str, Any]:
        """The JSON import row for one record (values not yet cut to length)."""
        row: dict[str, Any] = {"email": address}

        for source, target in STANDARD_FIELDS[table].items():
            value = record.get(source)

            if isinstance(value, str) and value.strip():
                row[target] = value.strip()

        if table == "contact":
            row.update(_birthday(record.get(BIRTHDAY_COLUMN)))

        for field in self.custom.get(table, ()):
            value = field_value(record, field)

            if value is not None:
                row[f"cf:{field.cc_name}"] = value

        return row


def read_field_map(
    dataverse: DataverseClient, constant_contact: Any = None
) -> FieldMap:
    """The active custom field mappings by table, checked (`CustomFieldError` lists
    every problem); with `constant_contact`, missing fields are created there."""
    return FieldMap(load_custom_fields(dataverse, constant_contact))


def _birthday(value: Any) -> dict[str, int]:
    if not isinstance(value, str):
        return {}

    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return {}

    return {"birthday_month": day.month, "birthday_day": day.day}


def record_name(table: str, record: Mapping[str, Any], names: Sequence[str]) -> str:
    """A readable name for logs and recipient rows (never the address)."""
    parts = [str(record.get(name) or "").strip() for name in names]
    return " ".join(part for part in parts if part)[:200]
