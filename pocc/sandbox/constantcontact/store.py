"""The account's storage: one SQLite file, documents by kind and id, room for tables.

`{data}/constantcontact/account.sqlite3` holds everything the Constant Contact sandbox
keeps, so data survives a restart. Most resources (lists, custom fields, activities,
campaigns, OAuth grants) are JSON documents in one table, addressed by kind and id,
with an optional unique key per kind (a list's lower-cased name, say) that SQLite
enforces. Resources that need real queries (contacts and list memberships, engagement
events) declare their own tables with `ensure_tables`.

One connection is shared by every thread behind a re-entrant lock: the sandbox's load
is small, and serialising it removes every "database is locked" race between the
request threads and the background activity worker. Writes run in `transaction()`
(`BEGIN IMMEDIATE`); a transaction may be nested inside another on the same thread.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DOCUMENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    unique_key TEXT,
    body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_unique_key
    ON documents (kind, unique_key) WHERE unique_key IS NOT NULL;
"""


class DuplicateKeyError(Exception):
    """Another document of the same kind already holds this unique key."""


class AccountStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None
        )
        self._connection.row_factory = sqlite3.Row
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute("PRAGMA foreign_keys=ON")
        self.ensure_tables(DOCUMENTS_SCHEMA)
        logger.debug("Constant Contact store open at %s", path)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def ensure_tables(self, ddl: str) -> None:
        """Run `CREATE ... IF NOT EXISTS` statements; safe on every start.

        Statements run one by one (not `executescript`, which would commit a
        transaction the caller has open, for example during the seed).
        """
        with self._lock:
            for statement in ddl.split(";"):
                if statement.strip():
                    self._connection.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls on the same thread join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._connection
                finally:
                    self._depth -= 1
                return

            self._connection.execute("BEGIN IMMEDIATE")
            self._depth = 1

            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            else:
                self._connection.execute("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (consistent while the lock is held)."""
        with self._lock:
            yield self._connection

    def get(self, kind: str, document_id: str) -> dict[str, Any] | None:
        with self.reading() as connection:
            row = connection.execute(
                "SELECT body FROM documents WHERE kind = ? AND id = ?",
                (kind, document_id),
            ).fetchone()

        return json.loads(row["body"]) if row else None

    def find(self, kind: str, unique_key: str) -> dict[str, Any] | None:
        with self.reading() as connection:
            row = connection.execute(
                "SELECT body FROM documents WHERE kind = ? AND unique_key = ?",
                (kind, unique_key),
            ).fetchone()

        return json.loads(row["body"]) if row else None

    def insert(
        self,
        kind: str,
        document_id: str,
        body: dict[str, Any],
        unique_key: str | None = None,
    ) -> None:
        try:
            with self.transaction() as connection:
                connection.execute(
                    "INSERT INTO documents (kind, id, unique_key, body)"
                    " VALUES (?, ?, ?, ?)",
                    (kind, document_id, unique_key, json.dumps(body)),
                )
        except sqlite3.IntegrityError as error:
            raise DuplicateKeyError(f"{kind} {unique_key or document_id}") from error

    def replace(
        self,
        kind: str,
        document_id: str,
        body: dict[str, Any],
        unique_key: str | None = None,
    ) -> None:
        """Overwrite an existing document, keeping its place in the paging order."""
        try:
            with self.transaction() as connection:
                cursor = connection.execute(
                    "UPDATE documents SET body = ?, unique_key = ?"
                    " WHERE kind = ? AND id = ?",
                    (json.dumps(body), unique_key, kind, document_id),
                )
        except sqlite3.IntegrityError as error:
            raise DuplicateKeyError(f"{kind} {unique_key}") from error

        if cursor.rowcount != 1:
            raise KeyError(f"{kind} {document_id}")

    def delete(self, kind: str, document_id: str) -> bool:
        with self.transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM documents WHERE kind = ? AND id = ?", (kind, document_id)
            )

        return cursor.rowcount == 1

    def page(
        self, kind: str, after: int = 0, limit: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Documents of one kind in creation order after position `after`.

        Each comes with its position so that a cursor can resume after it.
        """
        sql = "SELECT seq, body FROM documents WHERE kind = ? AND seq > ? ORDER BY seq"
        parameters: tuple[Any, ...] = (kind, after)

        if limit is not None:
            sql += " LIMIT ?"
            parameters += (limit,)

        with self.reading() as connection:
            rows = connection.execute(sql, parameters).fetchall()

        return [(row["seq"], json.loads(row["body"])) for row in rows]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [body for _, body in self.page(kind)]

    def count(self, kind: str, keyed_only: bool = False) -> int:
        """Documents of a kind; `keyed_only` counts those holding a unique key."""
        with self.reading() as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM documents WHERE kind = ?"
                " AND (? = 0 OR unique_key IS NOT NULL)",
                (kind, int(keyed_only)),
            ).fetchone()

        return int(row[0])
