"""A small hand-built organisation for the query tests: contact, account, list.

It follows the real logical names and shapes (a polymorphic customer lookup, a
simple lookup, choices, an N:N list membership) so the query modules can be tested
against real SQLite storage without the solution reader or the HTTPS server.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pocc.sandbox.dataverse.model import (
    AttributeType,
    Choice,
    Column,
    ManyToMany,
    OneToMany,
    Schema,
    Table,
)
from pocc.sandbox.dataverse.store import OrgDatabase, intersect_table_name

T = AttributeType


def _column(name: str, kind: AttributeType, **details: Any) -> Column:
    return Column(logical_name=name, schema_name=name, type=kind, **details)


STATE = (Choice(0, "Active"), Choice(1, "Inactive"))
BOOLEAN_ALLOW = (Choice(0, "Allow"), Choice(1, "Do Not Allow"))


def build_schema() -> Schema:
    contact = Table(
        logical_name="contact",
        schema_name="Contact",
        entity_set="contacts",
        primary_id="contactid",
        primary_name="fullname",
        columns={
            column.logical_name: column
            for column in (
                _column("contactid", T.UNIQUEIDENTIFIER),
                _column("fullname", T.STRING, max_length=160),
                _column("firstname", T.STRING),
                _column("lastname", T.STRING),
                _column("emailaddress1", T.STRING, format="Email"),
                _column("donotbulkemail", T.BOOLEAN, choices=BOOLEAN_ALLOW),
                _column("statecode", T.STATE, choices=STATE),
                _column("numberofchildren", T.INTEGER),
                _column("creditlimit", T.MONEY, precision=2),
                _column("birthdate", T.DATETIME, format="DateOnly"),
                _column("createdon", T.DATETIME, format="DateAndTime"),
                _column("parentcustomerid", T.CUSTOMER, targets=("account", "contact")),
            )
        },
    )
    account = Table(
        logical_name="account",
        schema_name="Account",
        entity_set="accounts",
        primary_id="accountid",
        primary_name="name",
        columns={
            column.logical_name: column
            for column in (
                _column("accountid", T.UNIQUEIDENTIFIER),
                _column("name", T.STRING),
                _column("primarycontactid", T.LOOKUP, targets=("contact",)),
            )
        },
    )
    marketing_list = Table(
        logical_name="list",
        schema_name="List",
        entity_set="lists",
        primary_id="listid",
        primary_name="listname",
        columns={
            column.logical_name: column
            for column in (
                _column("listid", T.UNIQUEIDENTIFIER),
                _column("listname", T.STRING),
                _column("query", T.MEMO),
            )
        },
    )
    return Schema(
        tables={
            table.logical_name: table for table in (contact, account, marketing_list)
        },
        one_to_many={
            "contact_customer_accounts": OneToMany(
                "contact_customer_accounts",
                "account",
                "accountid",
                "contact",
                "parentcustomerid",
                "contact_customer_accounts",
                "parentcustomerid_account",
            ),
            "contact_customer_contacts": OneToMany(
                "contact_customer_contacts",
                "contact",
                "contactid",
                "contact",
                "parentcustomerid",
                "contact_customer_contacts",
                "parentcustomerid_contact",
            ),
            "account_primary_contact": OneToMany(
                "account_primary_contact",
                "contact",
                "contactid",
                "account",
                "primarycontactid",
                "account_primary_contact",
                "primarycontactid",
            ),
        },
        many_to_many={
            "listcontact_association": ManyToMany(
                "listcontact_association",
                "list",
                "contact",
                "listmember",
                "listid",
                "entityid",
                "listcontact_association",
                "listcontact_association",
            )
        },
    )


class Organisation:
    """A database of the small schema, with helpers that write rows directly."""

    def __init__(self, folder: Path) -> None:
        self.schema = build_schema()
        self.database = OrgDatabase(folder / "org.sqlite3", self.schema)
        self.database.create_tables()

    def table(self, name: str) -> Table:
        return self.schema.tables[name]

    def add(self, table_name: str, **values: Any) -> str:
        table = self.table(table_name)
        record_id = values.pop(table.primary_id, None) or str(uuid.uuid4())

        with self.database.write():
            values[table.primary_id] = record_id
            values["versionnumber"] = self.database.next_version()
            self.database.insert(table, values)

        return record_id

    def add_many(self, table_name: str, rows: list[dict[str, Any]]) -> list[str]:
        table = self.table(table_name)
        ids = []

        with self.database.write():
            for values in rows:
                record = dict(values)
                record.setdefault(table.primary_id, str(uuid.uuid4()))
                record["versionnumber"] = self.database.next_version()
                self.database.insert(table, record)
                ids.append(record[table.primary_id])

        return ids

    def link(self, relationship: str, first: str, second: str) -> None:
        many = self.schema.many_to_many[relationship]
        name = intersect_table_name(many.schema_name)

        with self.database.write() as connection:
            connection.execute(
                f'INSERT INTO "{name}" ("{many.intersect_column1}", '
                f'"{many.intersect_column2}") VALUES (?, ?)',
                (first, second),
            )
