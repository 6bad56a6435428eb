"""Synchronize: import Constant Contact's email campaigns into `pocc_campaign` rows.

Pages through every campaign (`GET /emails`). A campaign whose name, status and
`updated_at` match its row is unchanged and costs no further call and no write, so a
second run over an account that did not change writes nothing. A new or changed one
gets its primary activity (subject, sender, reply-to), its preview (text and HTML)
and, once sent, its statistics, links (`pocc_emaillink`) and send history
(`pocc_sendhistory`). A campaign that Constant Contact lists as Removed, or no longer
lists at all, is deactivated with status Removed, never deleted: its history stays.

Campaigns are worked through in id order and the checkpoint holds the last one
written, so a resumed run skips what it already did.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from pocc.constantcontact.campaigns import primary_activity_id
from pocc.jobs.job_row import JobKindValue, format_time, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.jobs.kinds.campaign_records import (
    CAMPAIGNS,
    REMOVED,
    cc_time,
    last_sent,
    read_campaigns,
    statistics_columns,
    status_value,
    write_campaign,
    write_links,
    write_send_history,
)

logger = logging.getLogger(__name__)

# Statuses after which a campaign has (or may have) sends, statistics and clicks.
SENT_STATUSES = frozenset({"executing", "done", "error"})
ACTIVE = {"statecode": 0, "statuscode": 1}
INACTIVE = {"statecode": 1, "statuscode": 2}


@register(JobKindValue.SYNCHRONIZE)
class Synchronize(JobKind):
    def run(self, job: JobContext) -> Outcome:
        constant_contact = job.constant_contact
        campaigns = sorted(
            constant_contact.email_campaigns(), key=lambda item: item["campaign_id"]
        )
        rows = read_campaigns(job.dataverse)
        after = str(job.checkpoint.get("after", ""))
        counts: Counter[str] = Counter(job.checkpoint.get("counts", {}))
        job.progress.reset()
        job.progress.set_total(len(campaigns))
        job.log(f"Constant Contact holds {len(campaigns)} email campaigns.")

        for campaign in campaigns:
            cc_id = campaign["campaign_id"]

            if cc_id > after:
                job.stop_if_cancelled()
                result = self._synchronize(job, campaign, rows.get(cc_id))
                counts[result] += 1

                if result != "unchanged":
                    job.save_checkpoint({"after": cc_id, "counts": dict(counts)})

            job.progress.done()

        listed = {campaign["campaign_id"] for campaign in campaigns}
        counts["removed"] += self._deactivate_missing(job, rows, listed)
        return Outcome.succeeded(_summary(counts))

    def _synchronize(
        self, job: JobContext, campaign: dict[str, Any], row: dict[str, Any] | None
    ) -> str:
        wanted = {
            "pocc_name": (campaign.get("name") or campaign["campaign_id"])[:200],
            "pocc_campaignstatus": status_value(campaign.get("current_status")),
            "pocc_ccupdatedon": cc_time(campaign.get("updated_at")),
        }
        removed = wanted["pocc_campaignstatus"] == REMOVED
        wanted.update(INACTIVE if removed else ACTIVE)

        if row is not None and _unchanged(row, wanted):
            return "unchanged"

        if not removed:
            wanted.update(self._details(job, campaign["campaign_id"]))

        wanted["pocc_lastsynchronizedon"] = format_time(utc_now())
        row_id, _ = write_campaign(job.dataverse, row, campaign["campaign_id"], wanted)

        if not removed and wanted.get("pocc_primaryactivityid"):
            self._write_reports(job, row_id, campaign, wanted)

        if removed:
            return "removed"

        return "new" if row is None else "changed"

    def _details(self, job: JobContext, cc_id: str) -> dict[str, Any]:
        """Sender, subject and previews of the campaign's primary email."""
        constant_contact = job.constant_contact
        activity_id = primary_activity_id(constant_contact.email_campaign(cc_id))

        if not activity_id:
            return {"pocc_primaryactivityid": None}

        activity = constant_contact.campaign_activity(activity_id)
        preview = constant_contact.preview(activity_id)
        return {
            "pocc_primaryactivityid": activity_id,
            "pocc_subject": (activity.get("subject") or "")[:400] or None,
            "pocc_fromname": (activity.get("from_name") or "")[:100] or None,
            "pocc_fromemail": (activity.get("from_email") or "")[:80] or None,
            "pocc_replytoemail": (activity.get("reply_to_email") or "")[:80] or None,
            "pocc_textpreview": preview.get("preview_text_content") or None,
            "pocc_htmlpreview": _html(preview.get("preview_html_content")),
        }

    def _write_reports(
        self,
        job: JobContext,
        row_id: str,
        campaign: dict[str, Any],
        wanted: dict[str, Any],
    ) -> None:
        status = (campaign.get("current_status") or "").lower()

        if status not in SENT_STATUSES:
            return

        write_reports(job, row_id, wanted["pocc_primaryactivityid"])

    def _deactivate_missing(
        self, job: JobContext, rows: dict[str, dict[str, Any]], listed: set[str]
    ) -> int:
        gone = [
            row
            for cc_id, row in rows.items()
            if cc_id not in listed and row.get("statecode") == 0
        ]

        for row in gone:
            changes = {"pocc_campaignstatus": REMOVED, **INACTIVE}
            job.dataverse.update(CAMPAIGNS, row["pocc_campaignid"], changes)

        if gone:
            job.log(f"{len(gone)} campaigns were removed in Constant Contact.")

        return len(gone)


def write_reports(job: JobContext, row_id: str, activity_id: str) -> int:
    """Statistics, links and send history of one sent campaign; rows written."""
    constant_contact = job.constant_contact
    history = constant_contact.send_history(activity_id)
    results, _ = constant_contact.activity_stats([activity_id])
    written = write_send_history(job.dataverse, row_id, history)
    written += write_links(
        job.dataverse, row_id, constant_contact.link_clicks(activity_id)
    )
    columns: dict[str, Any] = {}

    if results:
        columns.update(statistics_columns(results[0].get("stats") or {}))

    if history:
        columns["pocc_lastsenton"] = last_sent(history)

    if columns:
        row = job.dataverse.retrieve(CAMPAIGNS, row_id, select=list(columns))
        _, changed = write_campaign(
            job.dataverse, row | {"pocc_campaignid": row_id}, "", columns
        )
        written += int(changed)

    return written


def _unchanged(row: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(row.get(name) == value for name, value in wanted.items())


def _html(value: str | None) -> str | None:
    """Preview HTML; Constant Contact may send it JSON-string-encoded."""
    if not value:
        return None

    if value.startswith('"') and value.endswith('"'):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value

        return decoded if isinstance(decoded, str) else value

    return value


def _summary(counts: Counter[str]) -> str:
    parts = [
        f"{counts[name]} {label}"
        for name, label in (
            ("new", "new"),
            ("changed", "updated"),
            ("unchanged", "unchanged"),
            ("removed", "removed"),
        )
        if counts[name]
    ]
    return "Campaigns synchronized: " + (", ".join(parts) or "none found")
