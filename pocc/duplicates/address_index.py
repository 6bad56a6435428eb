"""Every scanned address and its record, in a temporary SQLite file.

An organisation of 300,000 records would hold a few hundred megabytes of Python
objects; SQLite keeps them on disk behind a small page cache, and a `GROUP BY` finds
the shared addresses. The file is SQLite's private temporary database (opened with
an empty name), deleted when the index is closed or the process ends.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby

from pocc.send.dedupe import Candidate

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE records ("
    " address TEXT NOT NULL, record_table TEXT NOT NULL, record_id TEXT NOT NULL,"
    " name TEXT NOT NULL, modified_on TEXT NOT NULL)"
)
_SHARED = (
    "SELECT r.address, r.record_table, r.record_id, r.name, r.modified_on"
    " FROM records r JOIN (SELECT address FROM records GROUP BY address"
    " HAVING COUNT(*) > 1) s ON s.address = r.address"
    " ORDER BY r.address, r.record_table, r.record_id"
)


class AddressIndex:
    """(address, record) pairs on disk; `shared()` yields the duplicated addresses."""

    def __init__(self) -> None:
        self._connection = sqlite3.connect("")
        self._connection.execute(_SCHEMA)
        self._indexed = False
        self.count = 0

    def add(self, entries: Iterable[tuple[str, Candidate]]) -> None:
        """Adds one page of (normalised address, record) pairs."""
        rows = [
            (address, item.table, item.record_id, item.name, item.modified_on)
            for address, item in entries
        ]

        with self._connection:
            self._connection.executemany(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?)", rows
            )

        self.count += len(rows)

    def shared(self) -> Iterator[tuple[str, list[Candidate]]]:
        """(address, its records) for each address held by more than one record,
        in address order."""
        self._ensure_index()
        cursor = self._connection.execute(_SHARED)

        for address, rows in groupby(cursor, key=lambda row: row[0]):
            yield (
                address,
                [
                    Candidate(table, record_id, modified_on, name)
                    for _, table, record_id, name, modified_on in rows
                ],
            )

    def holds_shared(self, address: str) -> bool:
        """Whether `address` is held by more than one scanned record."""
        self._ensure_index()
        found = self._connection.execute(
            "SELECT COUNT(*) FROM records WHERE address = ?", (address,)
        ).fetchone()
        return bool(found and found[0] > 1)

    def close(self) -> None:
        self._connection.close()

    def _ensure_index(self) -> None:
        # Built once after loading: cheaper than keeping it up to date per insert.
        if not self._indexed:
            self._connection.execute("CREATE INDEX records_address ON records(address)")
            self._indexed = True
