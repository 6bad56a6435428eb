"""Which Dynamics 365 record each address of a send went to.

The Send job writes one `pocc_sendrecipient` row per address it handed to Constant
Contact: the campaign activity, the address as sent (normalised) and the record that
won the address (table, id, name). A response belongs to that record, not to
whichever record holds the address today: addresses move between records, and two
records may share one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pocc.dataverse import DataverseClient, Query, column
from pocc.send.addresses import normalize

logger = logging.getLogger(__name__)

SEND_RECIPIENTS = "pocc_sendrecipients"
CUSTOMER_TABLES = {"contact": "contacts", "lead": "leads", "account": "accounts"}


@dataclass(frozen=True)
class SentRecord:
    table: str
    id: str
    name: str

    @property
    def entity_set(self) -> str:
        return CUSTOMER_TABLES[self.table]


class SentRecords:
    """The records one campaign activity was sent to, by normalised address."""

    def __init__(self, by_address: dict[str, SentRecord]) -> None:
        self._by_address = by_address

    @classmethod
    def load(cls, dataverse: DataverseClient, activity_id: str) -> SentRecords:
        query = Query(
            select=[
                "pocc_email",
                "pocc_recordtable",
                "pocc_recordid",
                "pocc_recordname",
            ],
            filter=column("pocc_campaignactivityid").eq(activity_id),
        )
        by_address: dict[str, SentRecord] = {}

        for row in dataverse.query(SEND_RECIPIENTS, query):
            table = str(row.get("pocc_recordtable") or "").lower()

            if table not in CUSTOMER_TABLES or not row.get("pocc_recordid"):
                continue

            by_address[str(row["pocc_email"]).lower()] = SentRecord(
                table,
                str(row["pocc_recordid"]).lower(),
                row.get("pocc_recordname") or "",
            )

        logger.debug("activity %s: %s recipients", activity_id, len(by_address))
        return cls(by_address)

    def __len__(self) -> int:
        return len(self._by_address)

    def record_for(self, email_address: str) -> SentRecord | None:
        """The record the send reached at this address (as a report spells it)."""
        address = normalize(email_address)
        return self._by_address.get(address.value) if address.ok else None
