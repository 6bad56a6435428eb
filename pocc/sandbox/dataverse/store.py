"""SQLite storage of one Dataverse organisation (contract: sandbox-internals.md).

One file per organisation, WAL mode so readers never wait for the writer, one
connection per thread (sqlite3 connections must not cross threads), and every write
inside `OrgDatabase.write()`: the outermost level takes the write lock at once with
`BEGIN IMMEDIATE`, nested levels are savepoints, so a `$batch` change set can wrap
several requests in one transaction and roll all of them back together.

Identifiers only ever come from the schema and pass through `quote()`; every value a
client sends travels as a bound parameter.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pocc.sandbox.dataverse.model import AttributeType, Column, Schema, Table

logger = logging.getLogger(__name__)

# SQL identifiers the store creates: logical names, `<lookup>__type`, `nn_<schema>`,
# and the sandbox's own `_sandbox_...` tables.
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,130}$")

SEQUENCE_TABLE = "_sandbox_sequence"
SETTINGS_TABLE = "_sandbox_settings"
USER_ROLES_TABLE = "_sandbox_user_roles"
USER_FIELD_PROFILES_TABLE = "_sandbox_user_field_profiles"
VERSION_COLUMN = "versionnumber"

STORAGE_TYPES = {
    AttributeType.STRING: "TEXT",
    AttributeType.MEMO: "TEXT",
    AttributeType.ENTITYNAME: "TEXT",
    AttributeType.INTEGER: "INTEGER",
    AttributeType.BIGINT: "INTEGER",
    AttributeType.PICKLIST: "INTEGER",
    AttributeType.STATE: "INTEGER",
    AttributeType.STATUS: "INTEGER",
    AttributeType.BOOLEAN: "INTEGER",
    AttributeType.DECIMAL: "REAL",
    AttributeType.DOUBLE: "REAL",
    AttributeType.MONEY: "REAL",
    AttributeType.DATETIME: "TEXT",
    AttributeType.UNIQUEIDENTIFIER: "TEXT",
    AttributeType.LOOKUP: "TEXT",
    AttributeType.CUSTOMER: "TEXT",
    AttributeType.OWNER: "TEXT",
}

# Dataverse compares, sorts and keys text case-insensitively (its SQL collation), so
# text columns carry NOCASE: `=`, ORDER BY and the alternate-key indexes all agree.
TEXT_TYPES = frozenset(
    {AttributeType.STRING, AttributeType.MEMO, AttributeType.ENTITYNAME}
)


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier; refuses anything a schema could not hold."""
    if not IDENTIFIER.match(identifier):
        raise ValueError(f"not a storable identifier: {identifier!r}")

    return f'"{identifier}"'


def type_column(lookup_column: str) -> str:
    """The companion column that holds the logical name a lookup points at."""
    return f"{lookup_column}__type"


def intersect_table_name(relationship_schema_name: str) -> str:
    return f"nn_{relationship_schema_name.lower()}"


class OrgDatabase:
    """One organisation's SQLite database, shared by all request threads."""

    def __init__(self, path: Path, schema: Schema) -> None:
        self.path = path
        self.schema = schema
        self._local = threading.local()

        path.parent.mkdir(parents=True, exist_ok=True)

        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")

        connection.close()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; rows as `sqlite3.Row`)."""
        connection = getattr(self._local, "connection", None)

        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=30000")
            self._local.connection = connection
            self._local.depth = 0

        return connection

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, or a savepoint inside this thread's open one."""
        connection = self.connection()
        depth = self._local.depth
        savepoint = f"level{depth}"

        if depth == 0:
            connection.execute("BEGIN IMMEDIATE")
        else:
            connection.execute(f"SAVEPOINT {savepoint}")

        self._local.depth = depth + 1

        try:
            yield connection
        except BaseException:
            self._local.depth = depth
            self._undo(connection, depth, savepoint)
            raise

        self._local.depth = depth

        if depth == 0:
            connection.execute("COMMIT")
        else:
            connection.execute(f"RELEASE {savepoint}")

    @staticmethod
    def _undo(connection: sqlite3.Connection, depth: int, savepoint: str) -> None:
        if depth == 0:
            connection.execute("ROLLBACK")
            return

        connection.execute(f"ROLLBACK TO {savepoint}")
        connection.execute(f"RELEASE {savepoint}")

    @property
    def in_write(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def close(self) -> None:
        """Close this thread's connection (other threads' close when they end)."""
        connection = getattr(self._local, "connection", None)

        if connection is not None:
            connection.close()
            self._local.connection = None

    def next_version(self) -> int:
        """Bump and return the organisation-wide row version; call inside `write()`."""
        row = (
            self.connection()
            .execute(
                f"UPDATE {SEQUENCE_TABLE} SET value = value + 1 "
                "WHERE name = ? RETURNING value",
                (VERSION_COLUMN,),
            )
            .fetchone()
        )
        return int(row[0])

    def query(self, sql: str, parameters: Iterable[Any] = ()) -> list[dict[str, Any]]:
        rows = self.connection().execute(sql, tuple(parameters)).fetchall()
        return [dict(row) for row in rows]

    def setting(self, name: str) -> str | None:
        row = (
            self.connection()
            .execute(f"SELECT value FROM {SETTINGS_TABLE} WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else row[0]

    def set_setting(self, name: str, value: str) -> None:
        with self.write() as connection:
            connection.execute(
                f"INSERT INTO {SETTINGS_TABLE} (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def create_tables(self) -> None:
        """Create (or widen) every table, index and intersect table the schema names.

        Idempotent: an existing database keeps its rows, and a column the solution
        gained since the last start is added.
        """
        with self.write() as connection:
            self._create_sandbox_tables(connection)

            for table in self.schema.tables.values():
                self._create_table(connection, table)

            for relationship in self.schema.many_to_many.values():
                self._create_intersect_table(connection, relationship)

        logger.debug(
            "storage ready at %s (%s tables)", self.path, len(self.schema.tables)
        )

    @staticmethod
    def _create_sandbox_tables(connection: sqlite3.Connection) -> None:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {SEQUENCE_TABLE} "
            "(name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
        )
        connection.execute(
            f"INSERT OR IGNORE INTO {SEQUENCE_TABLE} (name, value) VALUES (?, 1000)",
            (VERSION_COLUMN,),
        )
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {SETTINGS_TABLE} "
            "(name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {USER_ROLES_TABLE} "
            "(systemuserid TEXT NOT NULL, roleid TEXT NOT NULL, "
            "PRIMARY KEY (systemuserid, roleid))"
        )
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {USER_FIELD_PROFILES_TABLE} "
            "(systemuserid TEXT NOT NULL, profileid TEXT NOT NULL, "
            "PRIMARY KEY (systemuserid, profileid))"
        )

    def _create_table(self, connection: sqlite3.Connection, table: Table) -> None:
        definitions = dict(column_definitions(table))
        name = quote(table.logical_name)
        body = ", ".join(
            f"{quote(column)} {sql}" for column, sql in definitions.items()
        )
        connection.execute(f"CREATE TABLE IF NOT EXISTS {name} ({body})")

        existing = {row[1] for row in connection.execute(f"PRAGMA table_info({name})")}

        for column, sql in definitions.items():
            if column not in existing:
                sql_type = sql.replace(" PRIMARY KEY", "")
                connection.execute(
                    f"ALTER TABLE {name} ADD COLUMN {quote(column)} {sql_type}"
                )

        for column in table.columns.values():
            if column.is_lookup:
                index = quote(f"ix_{table.logical_name}_{column.logical_name}")
                connection.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} "
                    f"ON {name} ({quote(column.logical_name)})"
                )

        for key in table.keys:
            index = quote(f"ak_{table.logical_name}_{key.logical_name}")
            columns = ", ".join(quote(column) for column in key.columns)
            connection.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {name} ({columns})"
            )

    @staticmethod
    def _create_intersect_table(
        connection: sqlite3.Connection, relationship: Any
    ) -> None:
        name = quote(intersect_table_name(relationship.schema_name))
        first = quote(relationship.intersect_column1)
        second = quote(relationship.intersect_column2)
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {name} ({first} TEXT NOT NULL, "
            f"{second} TEXT NOT NULL, PRIMARY KEY ({first}, {second}))"
        )
        index = quote(f"ix_{intersect_table_name(relationship.schema_name)}_second")
        connection.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {name} ({second})")

    def fetch(self, table: Table, record_id: str) -> dict[str, Any] | None:
        name, key = quote(table.logical_name), quote(table.primary_id)
        sql = f"SELECT * FROM {name} WHERE {key} = ?"
        rows = self.query(sql, (record_id,))
        return rows[0] if rows else None

    def find(self, table: Table, values: dict[str, Any]) -> dict[str, Any] | None:
        """The row whose columns equal `values` (an alternate key), if any."""
        condition = " AND ".join(f"{quote(column)} = ?" for column in values)
        rows = self.query(
            f"SELECT * FROM {quote(table.logical_name)} WHERE {condition}",
            values.values(),
        )
        return rows[0] if rows else None

    def insert(self, table: Table, values: dict[str, Any]) -> None:
        columns = ", ".join(quote(column) for column in values)
        marks = ", ".join("?" for _ in values)
        self.connection().execute(
            f"INSERT INTO {quote(table.logical_name)} ({columns}) VALUES ({marks})",
            tuple(values.values()),
        )

    def update(self, table: Table, record_id: str, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{quote(column)} = ?" for column in values)
        self.connection().execute(
            f"UPDATE {quote(table.logical_name)} SET {assignments} "
            f"WHERE {quote(table.primary_id)} = ?",
            (*values.values(), record_id),
        )

    def delete(self, table: Table, record_id: str) -> None:
        name, key = quote(table.logical_name), quote(table.primary_id)
        sql = f"DELETE FROM {name} WHERE {key} = ?"
        self.connection().execute(sql, (record_id,))


def column_definitions(table: Table) -> Iterator[tuple[str, str]]:
    """(SQL column name, SQL type) pairs for one Dataverse table, primary key first."""
    yield table.primary_id, "TEXT PRIMARY KEY"

    for column in table.columns.values():
        if column.logical_name in (table.primary_id, VERSION_COLUMN):
            continue

        yield column.logical_name, storage_type(column)

        if column.is_lookup:
            yield type_column(column.logical_name), "TEXT"

    yield VERSION_COLUMN, "INTEGER"


def storage_type(column: Column) -> str:
    sql_type = STORAGE_TYPES[column.type]

    if column.type in TEXT_TYPES:
        return f"{sql_type} COLLATE NOCASE"

    return sql_type
