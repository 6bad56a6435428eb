"""The organisation's SQLite storage: transactions, savepoints, versions, keys."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from pocc.sandbox.dataverse.model import (
    AlternateKey,
    AttributeType,
    Column,
    ManyToMany,
    Schema,
    Table,
)
from pocc.sandbox.dataverse.store import OrgDatabase, quote


def column(name: str, kind: AttributeType, **details) -> Column:
    return Column(logical_name=name, schema_name=name, type=kind, **details)


def schema() -> Schema:
    item = Table(
        logical_name="item",
        schema_name="Item",
        entity_set="items",
        primary_id="itemid",
        primary_name="code",
        columns={
            "itemid": column("itemid", AttributeType.UNIQUEIDENTIFIER),
            "code": column("code", AttributeType.STRING, max_length=20),
            "ownerid": column("ownerid", AttributeType.OWNER, targets=("systemuser",)),
        },
        keys=(AlternateKey("CodeKey", "codekey", ("code",)),),
    )
    tag = Table(
        logical_name="tag",
        schema_name="Tag",
        entity_set="tags",
        primary_id="tagid",
        primary_name="name",
        columns={"tagid": column("tagid", AttributeType.UNIQUEIDENTIFIER)},
    )
    link = ManyToMany("item_tag", "item", "tag", "itemtag", "itemid", "tagid", "t", "i")
    return Schema(tables={"item": item, "tag": tag}, many_to_many={"item_tag": link})


@pytest.fixture
def database(tmp_path) -> OrgDatabase:
    database = OrgDatabase(tmp_path / "org.sqlite3", schema())
    database.create_tables()
    return database


def insert(database: OrgDatabase, item_id: str, code: str) -> None:
    table = database.schema.tables["item"]

    with database.write():
        version = database.next_version()
        database.insert(
            table, {"itemid": item_id, "code": code, "versionnumber": version}
        )


def test_the_database_runs_in_wal_mode(database):
    mode = database.connection().execute("PRAGMA journal_mode").fetchone()[0]

    assert mode == "wal"


def test_tables_get_lookup_type_columns_versions_and_intersect_tables(database):
    item_columns = {row["name"] for row in database.query('PRAGMA table_info("item")')}
    link_columns = {
        row["name"] for row in database.query('PRAGMA table_info("nn_item_tag")')
    }

    assert {
        "itemid",
        "code",
        "ownerid",
        "ownerid__type",
        "versionnumber",
    } <= item_columns
    assert link_columns == {"itemid", "tagid"}


def test_versions_rise_with_every_write(database):
    with database.write():
        first = database.next_version()
        second = database.next_version()

    assert second == first + 1


def test_a_failing_nested_write_rolls_back_only_its_savepoint(database):
    def fail_inside() -> None:
        with database.write():
            insert(database, "b", "dropped")
            raise RuntimeError("inner failure")

    with database.write():
        insert(database, "a", "kept")

        with pytest.raises(RuntimeError):
            fail_inside()

    codes = [row["code"] for row in database.query('SELECT code FROM "item"')]

    assert codes == ["kept"]


def test_a_failing_outer_write_rolls_back_everything_inside_it(database):
    def fail() -> None:
        with database.write():
            insert(database, "a", "one")
            insert(database, "b", "two")
            raise RuntimeError("change set failed")

    with pytest.raises(RuntimeError):
        fail()

    assert database.query('SELECT * FROM "item"') == []


def test_alternate_keys_are_unique_without_regard_to_case(database):
    insert(database, "a", "Code-1")

    with pytest.raises(sqlite3.IntegrityError):
        insert(database, "b", "CODE-1")


def test_each_thread_has_its_own_connection(database):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(database.connection()))
    thread.start()
    thread.join()

    assert seen[0] is not database.connection()


def test_restarting_keeps_rows_and_adds_columns_the_schema_gained(tmp_path, database):
    insert(database, "a", "stays")
    database.close()
    grown = schema()
    grown.tables["item"].columns["note"] = column("note", AttributeType.MEMO)

    reopened = OrgDatabase(database.path, grown)
    reopened.create_tables()

    assert reopened.fetch(grown.tables["item"], "a")["code"] == "stays"
    assert "note" in reopened.fetch(grown.tables["item"], "a")


@pytest.mark.parametrize("name", ['x"; DROP TABLE item; --', "Upper", "1abc", ""])
def test_identifiers_outside_the_schema_alphabet_are_refused(name):
    with pytest.raises(ValueError, match="not a storable identifier"):
        quote(name)
