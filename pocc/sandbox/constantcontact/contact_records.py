"""Contacts and list memberships in their own SQL tables.

Contacts are queried by status, email, list, dates and paged in creation order, and a
send reads every eligible member of some lists, so they live in real tables rather
than documents. A contact's JSON (`body`) is the API resource without its list
memberships, which live in `list_memberships`. Emails are unique per account without
regard to case (`email_key` is the lower-cased address).

The sending side uses `eligible_members` and `unsubscribe`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .store import AccountStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id TEXT NOT NULL UNIQUE,
    email_key TEXT UNIQUE,
    permission TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    opt_out_at TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS contacts_updated_at ON contacts (updated_at);
CREATE TABLE IF NOT EXISTS list_memberships (
    list_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX IF NOT EXISTS list_memberships_contact ON list_memberships (contact_id);
"""

# Most lists one contact may belong to.
MAX_LISTS_PER_CONTACT = 50
# Statuses a send skips (besides deleted contacts).
NOT_SENDABLE = ("unsubscribed", "temp_hold")


def marks(values: Any) -> str:
    """`(?, ?, ...)`: one placeholder per value; the values travel bound."""
    return "(" + ",".join("?" * len(values)) + ")"


def ensure_tables(store: AccountStore) -> None:
    store.ensure_tables(SCHEMA)


def email_key(contact: dict[str, Any]) -> str | None:
    address = (contact.get("email_address") or {}).get("address")
    return address.lower() if address else None


def get(store: AccountStore, contact_id: str) -> dict[str, Any] | None:
    with store.reading() as connection:
        row = connection.execute(
            "SELECT body FROM contacts WHERE contact_id = ?", (contact_id,)
        ).fetchone()

    return json.loads(row["body"]) if row else None


def find_by_email(store: AccountStore, address: str) -> dict[str, Any] | None:
    with store.reading() as connection:
        row = connection.execute(
            "SELECT body FROM contacts WHERE email_key = ?", (address.lower(),)
        ).fetchone()

    return json.loads(row["body"]) if row else None


def find_many_by_email(
    store: AccountStore, addresses: list[str]
) -> dict[str, dict[str, Any]]:
    """Contacts by lower-cased email, for a batch of an import."""
    found: dict[str, dict[str, Any]] = {}
    keys = sorted({address.lower() for address in addresses})

    with store.reading() as connection:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            sql = " ".join(
                [
                    "SELECT email_key, body FROM contacts WHERE email_key IN",
                    marks(chunk),
                ]
            )
            rows = connection.execute(sql, chunk).fetchall()
            found.update({row["email_key"]: json.loads(row["body"]) for row in rows})

    return found


def columns(contact: dict[str, Any]) -> tuple[Any, ...]:
    email = contact.get("email_address") or {}
    return (
        email_key(contact),
        email.get("permission_to_send"),
        contact["created_at"],
        contact["updated_at"],
        contact.get("deleted_at"),
        email.get("opt_out_date"),
        json.dumps(contact),
    )


def insert(store: AccountStore, contact: dict[str, Any]) -> None:
    with store.transaction() as connection:
        connection.execute(
            "INSERT INTO contacts (email_key, permission, created_at, updated_at,"
            " deleted_at, opt_out_at, body, contact_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*columns(contact), contact["contact_id"]),
        )


def save(store: AccountStore, contact: dict[str, Any]) -> None:
    with store.transaction() as connection:
        connection.execute(
            "UPDATE contacts SET email_key = ?, permission = ?, created_at = ?,"
            " updated_at = ?, deleted_at = ?, opt_out_at = ?, body = ?"
            " WHERE contact_id = ?",
            (*columns(contact), contact["contact_id"]),
        )


def memberships(store: AccountStore, contact_id: str) -> list[str]:
    with store.reading() as connection:
        rows = connection.execute(
            "SELECT list_id FROM list_memberships WHERE contact_id = ?"
            " ORDER BY added_at, list_id",
            (contact_id,),
        ).fetchall()

    return [row["list_id"] for row in rows]


def add_memberships(
    store: AccountStore, contact_id: str, list_ids: list[str], now: str
) -> list[str]:
    """Add the contact to lists (up to the 50-list limit); returns the lists it could
    not join because of the limit."""
    refused: list[str] = []

    with store.transaction() as connection:
        current = set(memberships(store, contact_id))

        for list_id in dict.fromkeys(list_ids):
            if list_id in current:
                continue

            if len(current) >= MAX_LISTS_PER_CONTACT:
                refused.append(list_id)
                continue

            connection.execute(
                "INSERT INTO list_memberships (list_id, contact_id, added_at)"
                " VALUES (?, ?, ?)",
                (list_id, contact_id, now),
            )
            current.add(list_id)

    return refused


def remove_memberships(
    store: AccountStore, contact_id: str, list_ids: list[str] | None = None
) -> int:
    """Remove the contact from the lists (from every list when None)."""
    with store.transaction() as connection:
        if list_ids is None:
            cursor = connection.execute(
                "DELETE FROM list_memberships WHERE contact_id = ?", (contact_id,)
            )
            return cursor.rowcount

        removed = 0

        for list_id in list_ids:
            cursor = connection.execute(
                "DELETE FROM list_memberships WHERE contact_id = ? AND list_id = ?",
                (contact_id, list_id),
            )
            removed += cursor.rowcount

        return removed


def delete_list_memberships(store: AccountStore, list_id: str) -> None:
    with store.transaction() as connection:
        connection.execute("DELETE FROM list_memberships WHERE list_id = ?", (list_id,))


def member_ids(store: AccountStore, list_ids: list[str]) -> list[str]:
    """Ids of contacts (deleted or not) in any of the lists, in creation order."""
    if not list_ids:
        return []

    sql = " ".join(
        [
            "SELECT DISTINCT c.contact_id, c.seq FROM contacts c",
            "JOIN list_memberships m ON m.contact_id = c.contact_id",
            "WHERE m.list_id IN",
            marks(list_ids),
            "ORDER BY c.seq",
        ]
    )

    with store.reading() as connection:
        rows = connection.execute(sql, list_ids).fetchall()

    return [row["contact_id"] for row in rows]


def eligible_members(store: AccountStore, list_ids: list[str]) -> list[dict[str, Any]]:
    """Contacts a campaign sent to these lists reaches: with an email address, not
    deleted, not unsubscribed or on hold. The caller applies its own rules on top
    (for example, no earlier hard bounce)."""
    if not list_ids:
        return []

    sql = " ".join(
        [
            "SELECT c.body FROM contacts c WHERE c.deleted_at IS NULL",
            "AND c.email_key IS NOT NULL AND c.permission NOT IN",
            marks(NOT_SENDABLE),
            "AND c.contact_id IN (SELECT contact_id FROM list_memberships",
            "WHERE list_id IN",
            marks(list_ids),
            ") ORDER BY c.seq",
        ]
    )

    with store.reading() as connection:
        rows = connection.execute(sql, (*NOT_SENDABLE, *list_ids)).fetchall()

    return [json.loads(row["body"]) for row in rows]


def membership_counts(store: AccountStore, active_only: bool) -> dict[str, int]:
    # "active" members leave out the unsubscribed; "all" counts them too.
    permissions = ("unsubscribed",) if active_only else ()
    sql = " ".join(
        [
            "SELECT m.list_id, COUNT(*) AS members FROM list_memberships m",
            "JOIN contacts c ON c.contact_id = m.contact_id",
            "WHERE c.deleted_at IS NULL AND c.permission NOT IN",
            marks(permissions) if permissions else "('')",
            "GROUP BY m.list_id",
        ]
    )

    with store.reading() as connection:
        rows = connection.execute(sql, permissions).fetchall()

    return {row["list_id"]: row["members"] for row in rows}


@dataclass
class ContactQuery:
    """The filters of `GET /contacts`, as SQL conditions with bound values."""

    conditions: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    def where(self, condition: str, *values: Any) -> None:
        self.conditions.append(condition)
        self.values.extend(values)

    def sql(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "1 = 1"


def search(
    store: AccountStore, query: ContactQuery, after: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    sql = " ".join(
        [
            "SELECT seq, body FROM contacts WHERE",
            query.sql(),
            "AND seq > ? ORDER BY seq LIMIT ?",
        ]
    )

    with store.reading() as connection:
        rows = connection.execute(sql, (*query.values, after, limit)).fetchall()

    return [(row["seq"], json.loads(row["body"])) for row in rows]


def count(store: AccountStore, query: ContactQuery) -> int:
    sql = " ".join(["SELECT COUNT(*) FROM contacts WHERE", query.sql()])

    with store.reading() as connection:
        row = connection.execute(sql, query.values).fetchone()

    return int(row[0])
