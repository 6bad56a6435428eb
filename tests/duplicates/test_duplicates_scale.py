"""300,000 records scanned in pages: memory stays at a page, not the organisation."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any, cast

import pytest

from pocc.dataverse import DataverseClient, Query
from pocc.duplicates.address_index import AddressIndex
from pocc.duplicates.scan import SCANNED_TABLES, scan_table

PER_TABLE = 100_000
PAGE = 5000


class GeneratedOrganisation:
    """Answers `query` with generated rows, made as they are read (as pages are)."""

    def query(self, entity_set: str, query: Query, **options: Any) -> Iterator[dict]:
        table = next(item for item in SCANNED_TABLES if item.entity_set == entity_set)

        for number in range(PER_TABLE):
            # Every 1,000th address is shared by one record of each table.
            shared = number % 1000 == 0
            local = f"shared{number}" if shared else f"{entity_set}{number}"
            yield {
                table.primary_id: f"00000000-0000-0000-0000-{number:012d}",
                "emailaddress1": f" {local.upper()}@Example.com ",
                "modifiedon": "2024-01-01T00:00:00Z",
                "statecode": 0,
                "donotemail": False,
                "donotbulkemail": False,
                "name": "Record",
            }


@pytest.mark.slow
def test_300000_records_are_grouped_with_memory_bounded_by_a_page() -> None:
    organisation = cast(DataverseClient, GeneratedOrganisation())
    index = AddressIndex()
    tracemalloc.start()

    try:
        for table in SCANNED_TABLES:
            page: list = []

            for item in scan_table(organisation, table, PAGE):
                page.append((item.address, item.candidate))

                if len(page) == PAGE:
                    index.add(page)
                    page = []

            index.add(page)

        groups = list(index.shared())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        index.close()

    assert index.count == 3 * PER_TABLE
    assert len(groups) == PER_TABLE // 1000
    assert all(len(records) == 3 for _, records in groups)
    assert groups[0][0] == "shared0@example.com"
    # 300,000 candidates as Python objects would take well over 100 MB.
    assert peak < 25 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
