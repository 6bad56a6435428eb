"""`pocc_customfield` rows: which column of which table goes to which custom field.

Rows are read oldest first (then by id), so when a table has more than 24 active
mappings the ones refused are always the newest: the mapping an administrator has
just added, not one that has worked for months.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pocc.dataverse import DataverseClient, Query, column

logger = logging.getLogger(__name__)

CUSTOM_FIELDS = "pocc_customfields"
# pocc_customfield.pocc_table choice -> table logical name.
TABLES = {101500000: "account", 101500001: "contact", 101500002: "lead"}
TABLE_CHOICES = {name: value for value, name in TABLES.items()}
COLUMNS = (
    "pocc_customfieldid",
    "pocc_name",
    "pocc_table",
    "pocc_columnname",
    "pocc_ccname",
    "pocc_ccfieldid",
    "pocc_cctype",
    "createdon",
)


@dataclass(frozen=True)
class Mapping:
    """One active `pocc_customfield` row as the administrator saved it."""

    id: str
    name: str
    table: str | None
    column: str
    cc_name: str
    cc_field_id: str
    cc_type: str

    @property
    def label(self) -> str:
        """How messages name the mapping: its name and what it maps."""
        what = f"{self.table or 'unknown table'}.{self.column or '(no column)'}"
        return f"{self.name} ({what})" if self.name else what

    @property
    def wanted_cc_name(self) -> str:
        """The Constant Contact field asked for: its name, else the mapping's name."""
        return self.cc_name or self.name


def read_mappings(dataverse: DataverseClient) -> list[Mapping]:
    """Every active mapping, oldest first."""
    query = Query(
        select=COLUMNS,
        filter=column("statecode").eq(0),
        orderby=["createdon", "pocc_customfieldid"],
    )
    mappings = [_mapping(row) for row in dataverse.query(CUSTOM_FIELDS, query)]
    logger.debug("read %s custom field mappings", len(mappings))
    return mappings


def _mapping(row: dict[str, Any]) -> Mapping:
    return Mapping(
        id=row["pocc_customfieldid"],
        name=(row.get("pocc_name") or "").strip(),
        table=TABLES.get(row.get("pocc_table") or 0),
        column=(row.get("pocc_columnname") or "").strip().lower(),
        cc_name=(row.get("pocc_ccname") or "").strip(),
        cc_field_id=(row.get("pocc_ccfieldid") or "").strip(),
        cc_type=(row.get("pocc_cctype") or "").strip().lower(),
    )
