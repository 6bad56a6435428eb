"""Tracking events and email links in SQL, so that reports stay fast at 100,000 sends.

Every send and every engagement event of every campaign activity is one row of
`email_tracking_events`. Rows are written when an activity is sent, including the
events that lie in the future; every read passes the sandbox's "now" and sees only
events whose time has come, which is how a week of engagement unfolds as the clock is
advanced. Stats, link reports, tracking reports and eligibility for later sends are
all queries over this one table, so they cannot disagree.

Times are stored as `YYYY-MM-DDTHH:MM:SS.mmmZ` text, which sorts like the instants.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .engagement import (
    BOUNCE,
    CLICK,
    FORWARD,
    HARD_BOUNCE_CODES,
    OPEN,
    OPT_OUT,
    SEND,
    EngagementEvent,
    Link,
)
from .store import AccountStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS email_tracking_events (
    seq INTEGER PRIMARY KEY,
    campaign_activity_id TEXT NOT NULL,
    send_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    email_address TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    occurred_at TEXT NOT NULL,
    device_type TEXT,
    url_id TEXT,
    link_url TEXT,
    bounce_code TEXT,
    opt_out_reason TEXT,
    applied INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS email_tracking_by_report
    ON email_tracking_events (campaign_activity_id, kind, occurred_at, seq);
CREATE INDEX IF NOT EXISTS email_tracking_by_contact
    ON email_tracking_events (contact_id, kind);
CREATE INDEX IF NOT EXISTS email_tracking_pending
    ON email_tracking_events (kind, occurred_at) WHERE applied = 0;
CREATE TABLE IF NOT EXISTS email_links (
    campaign_activity_id TEXT NOT NULL,
    url_id TEXT NOT NULL,
    link_url TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (campaign_activity_id, url_id)
);
"""

# Tracking report name -> the events it lists (two more are derived: see below).
REPORT_KINDS = {
    "sends": SEND,
    "opens": OPEN,
    "clicks": CLICK,
    "forwards": FORWARD,
    "optouts": OPT_OUT,
    "bounces": BOUNCE,
}
DERIVED_REPORTS = ("unique_opens", "didnotopens")

INSERT_EVENT = """
INSERT INTO email_tracking_events (
    campaign_activity_id, send_id, kind, contact_id, email_address, first_name,
    last_name, occurred_at, device_type, url_id, link_url, bounce_code, opt_out_reason
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

# Every statement here is a constant: lists of values travel as one JSON array
# parameter (`json_each`), so client text only ever arrives as a parameter. The three
# report statements share their paging and filter conditions (written out in each).
EVENTS_REPORT = """
SELECT * FROM email_tracking_events
WHERE campaign_activity_id = :activity AND kind = :kind AND occurred_at <= :now
    AND (:url_ids IS NULL OR url_id IN (SELECT value FROM json_each(:url_ids)))
    AND (:bounce_codes IS NULL
         OR bounce_code IN (SELECT value FROM json_each(:bounce_codes)))
    AND (:after_time IS NULL OR (occurred_at, seq) < (:after_time, :after_seq))
ORDER BY occurred_at DESC, seq DESC LIMIT :limit
"""

# The last open of each contact; SQLite takes bare columns from the row of the MAX.
UNIQUE_OPENS_REPORT = """
SELECT * FROM (
    SELECT *, MAX(occurred_at) FROM email_tracking_events
    WHERE campaign_activity_id = :activity AND kind = 'em_opens'
        AND occurred_at <= :now
    GROUP BY contact_id
)
WHERE (:after_time IS NULL OR (occurred_at, seq) < (:after_time, :after_seq))
ORDER BY occurred_at DESC, seq DESC LIMIT :limit
"""

# Sends to contacts who have neither opened nor bounced (so far).
DID_NOT_OPEN_REPORT = """
SELECT * FROM email_tracking_events
WHERE campaign_activity_id = :activity AND kind = 'em_sends' AND occurred_at <= :now
    AND contact_id NOT IN (
        SELECT contact_id FROM email_tracking_events
        WHERE campaign_activity_id = :activity
            AND kind IN ('em_opens', 'em_bounces') AND occurred_at <= :now
    )
    AND (:after_time IS NULL OR (occurred_at, seq) < (:after_time, :after_seq))
ORDER BY occurred_at DESC, seq DESC LIMIT :limit
"""


def format_time(moment: datetime) -> str:
    """The API's timestamp form, which also sorts correctly as text."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class ContactNames:
    email_address: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class PageCursor:
    """Where a newest-first page ended: the last row's time and sequence."""

    occurred_at: str
    seq: int


class TrackingStore:
    def __init__(self, store: AccountStore) -> None:
        self._store = store
        store.ensure_tables(SCHEMA)

    def add_events(
        self,
        activity_id: str,
        send_id: int,
        events: Iterable[EngagementEvent],
        names: dict[str, ContactNames],
    ) -> int:
        """Store events of one send; `names` gives each contact's address and names."""
        rows = (_event_row(activity_id, send_id, event, names) for event in events)

        with self._store.transaction() as connection:
            before = connection.total_changes
            connection.executemany(INSERT_EVENT, rows)
            return connection.total_changes - before

    def save_links(self, activity_id: str, links: Sequence[Link]) -> None:
        with self._store.transaction() as connection:
            connection.execute(
                "DELETE FROM email_links WHERE campaign_activity_id = ?", (activity_id,)
            )
            connection.executemany(
                "INSERT INTO email_links VALUES (?, ?, ?, ?)",
                [
                    (activity_id, link.url_id, link.url, position)
                    for position, link in enumerate(links)
                ],
            )

    def links(self, activity_id: str) -> list[Link]:
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT url_id, link_url FROM email_links"
                " WHERE campaign_activity_id = ? ORDER BY position",
                (activity_id,),
            ).fetchall()

        return [Link(row["url_id"], row["link_url"]) for row in rows]

    def contacts_sent(self, activity_id: str) -> set[str]:
        """Contacts this activity was ever sent to (resends skip them)."""
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT contact_id FROM email_tracking_events"
                " WHERE campaign_activity_id = ? AND kind = 'em_sends'",
                (activity_id,),
            ).fetchall()

        return {row[0] for row in rows}

    def hard_bounced(self, now: datetime) -> set[str]:
        """Contacts whose address bounced hard (any campaign) before `now`."""
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT DISTINCT contact_id FROM email_tracking_events"
                " WHERE kind = 'em_bounces' AND occurred_at <= ?"
                " AND bounce_code IN (SELECT value FROM json_each(?))",
                (format_time(now), json.dumps(sorted(HARD_BOUNCE_CODES))),
            ).fetchall()

        return {row[0] for row in rows}

    def due_effects(self, kinds: Sequence[str], now: datetime) -> list[sqlite3.Row]:
        """Events whose time has come and whose side effect is not yet applied."""
        with self._store.reading() as connection:
            return connection.execute(
                "SELECT seq, kind, contact_id, occurred_at, opt_out_reason"
                " FROM email_tracking_events"
                " WHERE applied = 0 AND occurred_at <= ?"
                " AND kind IN (SELECT value FROM json_each(?))"
                " ORDER BY occurred_at, seq",
                (format_time(now), json.dumps(list(kinds))),
            ).fetchall()

    def mark_applied(self, sequence_numbers: Sequence[int]) -> None:
        with self._store.transaction() as connection:
            connection.executemany(
                "UPDATE email_tracking_events SET applied = 1 WHERE seq = ?",
                [(seq,) for seq in sequence_numbers],
            )

    def counts(self, activity_ids: Sequence[str], now: datetime) -> list[sqlite3.Row]:
        """Per activity, kind, device and bounce code: events and distinct contacts."""
        with self._store.reading() as connection:
            return connection.execute(
                "SELECT campaign_activity_id, kind, device_type, bounce_code,"
                " COUNT(*) AS events, COUNT(DISTINCT contact_id) AS contacts"
                " FROM email_tracking_events"
                " WHERE occurred_at <= ?"
                " AND campaign_activity_id IN (SELECT value FROM json_each(?))"
                " GROUP BY campaign_activity_id, kind, device_type, bounce_code",
                (format_time(now), json.dumps(list(activity_ids))),
            ).fetchall()

    def distinct_contacts(
        self, activity_ids: Sequence[str], kind: str, now: datetime
    ) -> dict[str, int]:
        """Per activity, how many different contacts have an event of `kind`."""
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT campaign_activity_id, COUNT(DISTINCT contact_id)"
                " FROM email_tracking_events"
                " WHERE kind = ? AND occurred_at <= ?"
                " AND campaign_activity_id IN (SELECT value FROM json_each(?))"
                " GROUP BY campaign_activity_id",
                (kind, format_time(now), json.dumps(list(activity_ids))),
            ).fetchall()

        return {row[0]: row[1] for row in rows}

    def link_clicks(self, activity_id: str, now: datetime) -> dict[str, int]:
        """Unique clickers per url_id."""
        with self._store.reading() as connection:
            rows = connection.execute(
                "SELECT url_id, COUNT(DISTINCT contact_id) FROM email_tracking_events"
                " WHERE campaign_activity_id = ? AND kind = 'em_clicks'"
                " AND occurred_at <= ? GROUP BY url_id",
                (activity_id, format_time(now)),
            ).fetchall()

        return {row[0]: row[1] for row in rows}

    def report_page(
        self,
        activity_id: str,
        report: str,
        now: datetime,
        limit: int,
        after: PageCursor | None = None,
        url_ids: Sequence[str] | None = None,
        bounce_codes: Sequence[str] | None = None,
    ) -> list[sqlite3.Row]:
        """One newest-first page of a tracking report (`limit + 1` rows at most).

        `report` is a tracking report name; `unique_opens` keeps each contact's last
        open, `didnotopens` lists sends to contacts that neither opened nor bounced.
        """
        parameters = {
            "activity": activity_id,
            "kind": REPORT_KINDS.get(report),
            "now": format_time(now),
            "url_ids": json.dumps(list(url_ids)) if url_ids else None,
            "bounce_codes": json.dumps(list(bounce_codes)) if bounce_codes else None,
            "after_time": after.occurred_at if after else None,
            "after_seq": after.seq if after else None,
            "limit": limit + 1,
        }
        statement = {
            "unique_opens": UNIQUE_OPENS_REPORT,
            "didnotopens": DID_NOT_OPEN_REPORT,
        }.get(report, EVENTS_REPORT)

        with self._store.reading() as connection:
            return connection.execute(statement, parameters).fetchall()


def _event_row(
    activity_id: str,
    send_id: int,
    event: EngagementEvent,
    names: dict[str, ContactNames],
) -> tuple[Any, ...]:
    contact = names[event.contact_id]

    return (
        activity_id,
        send_id,
        event.kind,
        event.contact_id,
        contact.email_address,
        contact.first_name,
        contact.last_name,
        format_time(event.occurred_at),
        event.device_type,
        event.url_id,
        event.link_url,
        event.bounce_code,
        event.opt_out_reason,
    )
