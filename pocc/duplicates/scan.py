"""Reading the records whose addresses may be shared, one page at a time.

The scan reads what Send could email: active records (`statecode` 0) that allow
email and bulk email, from accounts, contacts and leads, in primary-key order, 5,000
rows a page. Each record is checked by the same rules as Send (`eligibility`, then
`addresses.normalize`), so an address the finder reports is one Send would collapse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from pocc.dataverse import DataverseClient, Query, all_of, column
from pocc.send import addresses, eligibility
from pocc.send.dedupe import Candidate
from pocc.send.mapping import record_name
from pocc.send.members import MEMBER_TABLES, MemberTable

logger = logging.getLogger(__name__)

# Accounts first, then contacts, then leads: the order never changes the result.
SCANNED_TABLES = tuple(MEMBER_TABLES[code] for code in sorted(MEMBER_TABLES))


@dataclass(frozen=True)
class ScannedRecord:
    """One record read: its normalised address, or the skip reason that replaces it."""

    candidate: Candidate
    address: str = ""
    skip_reason: str | None = None


def scan_table(
    dataverse: DataverseClient, table: MemberTable, page_size: int = 5000
) -> Iterator[ScannedRecord]:
    """Every emailable record of `table`, with its address checked."""
    query = Query(
        select=[
            table.primary_id,
            "emailaddress1",
            "modifiedon",
            *eligibility.COLUMNS,
            *table.name_columns,
        ],
        filter=all_of(
            [
                column("statecode").eq(0),
                column("donotemail").eq(False),
                column("donotbulkemail").eq(False),
            ]
        ),
        orderby=[table.primary_id],
    )

    for record in dataverse.query(table.entity_set, query, page_size=page_size):
        yield _scanned(table, record)


def _scanned(table: MemberTable, record: dict) -> ScannedRecord:
    candidate = Candidate(
        table=table.logical_name,
        record_id=str(record[table.primary_id]).lower(),
        modified_on=record.get("modifiedon") or "",
        name=record_name(table.logical_name, record, table.name_columns),
    )
    refusal = eligibility.skip_reason(record)

    if refusal is not None:
        return ScannedRecord(candidate, skip_reason=refusal[0])

    address = addresses.normalize(record.get("emailaddress1"))

    if not address.ok:
        return ScannedRecord(candidate, skip_reason=address.problem)

    return ScannedRecord(candidate, address=address.value)
