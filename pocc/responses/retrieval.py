"""One campaign's new responses: read the reports, write the responses, then move
the campaign's watermark.

The watermark (`pocc_campaign.pocc_responsewatermark`) holds, per tracking report,
the time of the newest event the last complete read saw. It moves only after every
response of the campaign was written (or found written), so a run that stops half
way reads the same events again next time and the responses' fixed ids keep the
second write from doubling anything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pocc.dataverse import DataverseClient
from pocc.responses.kinds import BY_REPORT, KINDS
from pocc.responses.recipients import SentRecords
from pocc.responses.records import CampaignTarget, Response
from pocc.responses.tracking import ReportRead, parse_cc_time, read_since
from pocc.responses.writer import BATCH_RESPONSES, WriteCounts, write_responses

logger = logging.getLogger(__name__)

CAMPAIGNS = "pocc_campaigns"
WATERMARK = "pocc_responsewatermark"


@dataclass
class CampaignResult:
    events: int = 0
    # Report rows fetched: the new events and the one that met the watermark.
    rows_read: int = 0
    # Events whose address the send did not go to (sent outside pocc, or changed).
    unmatched: int = 0
    responses: int = 0
    written: WriteCounts = field(default_factory=WriteCounts)

    @property
    def complete(self) -> bool:
        return not self.written.errors


def campaign_target(row: dict[str, Any]) -> CampaignTarget:
    return CampaignTarget(
        cc_campaign_id=row["pocc_ccid"],
        name=row.get("pocc_name") or row["pocc_ccid"],
        d365_campaign_id=row["_pocc_sourcecampaignid_value"],
    )


def read_watermarks(row: dict[str, Any]) -> dict[str, datetime]:
    """The per-report watermarks stored on the campaign row ({} when none)."""
    try:
        stored = json.loads(row.get(WATERMARK) or "{}")
    except ValueError:
        logger.warning(
            "campaign %s: unreadable watermark; reading all", row["pocc_ccid"]
        )
        return {}

    return {
        report: parse_cc_time(text)
        for report, text in stored.items()
        if report in BY_REPORT and isinstance(text, str)
    }


def watermark_text(watermarks: dict[str, datetime]) -> str:
    return json.dumps(
        {report: moment.isoformat() for report, moment in sorted(watermarks.items())}
    )


def retrieve_campaign(
    dataverse: DataverseClient,
    constant_contact: Any,
    row: dict[str, Any],
    between_batches: Callable[[], None] = lambda: None,
    batch_responses: int = BATCH_RESPONSES,
) -> CampaignResult:
    """Reads and writes one campaign's new responses; moves its watermark if done."""
    target = campaign_target(row)
    activity_id = row["pocc_primaryactivityid"]
    recipients = SentRecords.load(dataverse, activity_id)
    result = CampaignResult()

    if not len(recipients):
        logger.info("campaign %s: pocc sent it to nobody; no responses", target.name)
        return result

    watermarks = read_watermarks(row)
    reads = {
        kind.report: read_since(
            constant_contact.tracking(activity_id, kind.report),
            kind.report,
            watermarks.get(kind.report),
        )
        for kind in KINDS
    }
    result.rows_read = sum(read.rows_read for read in reads.values())
    responses = _responses(reads, recipients, target, result)
    result.written = write_responses(
        dataverse, responses, between_batches, batch_responses
    )

    if result.complete:
        _move_watermark(dataverse, row, watermarks, reads)

    return result


def _responses(
    reads: dict[str, ReportRead],
    recipients: SentRecords,
    target: CampaignTarget,
    result: CampaignResult,
) -> list[Response]:
    """One response per record and kind, dated at the earliest event of the read."""
    earliest: dict[str, Response] = {}

    for report, read in reads.items():
        kind = BY_REPORT[report]

        for event in read.events:
            result.events += 1
            record = recipients.record_for(event.email_address)

            if record is None:
                result.unmatched += 1
                continue

            response = Response(kind, record, event, target)
            held = earliest.get(response.id)

            if held is None or event.occurred_at < held.event.occurred_at:
                earliest[response.id] = response

    result.responses = len(earliest)
    return sorted(earliest.values(), key=lambda item: (item.event.occurred_at, item.id))


def _move_watermark(
    dataverse: DataverseClient,
    row: dict[str, Any],
    watermarks: dict[str, datetime],
    reads: dict[str, ReportRead],
) -> None:
    moved = dict(watermarks)

    for report, read in reads.items():
        if read.newest is not None:
            moved[report] = read.newest

    text = watermark_text(moved)

    if text != (row.get(WATERMARK) or ""):
        dataverse.update(CAMPAIGNS, row["pocc_campaignid"], {WATERMARK: text})
        row[WATERMARK] = text
