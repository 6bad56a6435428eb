"""`pocc_sendrecipient`: which D365 record each address of a send went to.

Retrieve responses reads Constant Contact's reports, which name addresses, and must
write each response on the record that was sent to, not on whichever record holds the
address by then. One row per (campaign activity, address), its alternate key, is
written for every contact an import accepted. Rows are upserts by that key in `$batch`
requests of 1,000, so writing a chunk again after a crash changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pocc.dataverse import DataverseClient, Operation, Query, column
from pocc.errors import PoccError
from pocc.send.dedupe import Candidate

logger = logging.getLogger(__name__)

RECIPIENTS = "pocc_sendrecipients"


class RecipientWriteError(PoccError):
    """Dataverse refused to record some recipients; the message says how many."""


@dataclass(frozen=True)
class Recipient:
    address: str
    candidate: Candidate


def write_recipients(
    dataverse: DataverseClient,
    activity_id: str,
    job_id: str,
    recipients: Iterable[Recipient],
) -> int:
    """Upserts one row per recipient; how many were written."""
    operations = [
        Operation.upsert(
            RECIPIENTS,
            {"pocc_campaignactivityid": activity_id, "pocc_email": item.address},
            {
                "pocc_recordtable": item.candidate.table,
                "pocc_recordid": item.candidate.record_id,
                "pocc_recordname": item.candidate.name or None,
                "pocc_jobid": job_id,
            },
        )
        for item in recipients
    ]

    if not operations:
        return 0

    outcomes = dataverse.write_batch(operations)
    failed = [outcome for outcome in outcomes if not outcome.ok]

    if failed:
        first = failed[0].error
        raise RecipientWriteError(
            f"Dataverse refused to record {len(failed)} of {len(outcomes)} send "
            f"recipients ({first}); the send stopped before scheduling. Run it again "
            "once the cause is fixed."
        )

    logger.info("recorded %s recipients of activity %s", len(outcomes), activity_id)
    return len(outcomes)


def recipient_for(
    dataverse: DataverseClient, activity_id: str, address: str
) -> dict[str, str] | None:
    """The record a send of `activity_id` reached at `address` (normalised), or None."""
    query = Query(
        select=["pocc_recordtable", "pocc_recordid"],
        filter=column("pocc_campaignactivityid").eq(activity_id)
        & column("pocc_email").eq(address),
        top=1,
    )

    for row in dataverse.query(RECIPIENTS, query):
        return {"table": row["pocc_recordtable"], "id": row["pocc_recordid"]}

    return None
