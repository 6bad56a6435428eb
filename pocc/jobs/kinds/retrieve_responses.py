"""Retrieve responses: Constant Contact's tracking reports as D365 campaign responses.

For every active campaign sent in the last 90 days whose D365 source campaign is
set, the job reads the opens, clicks, forwards, opt-outs and bounces that arrived
since the campaign's watermark and writes one `campaignresponse` per record and kind
(`pocc.responses`). Campaigns are worked through in Constant Contact id order; the
checkpoint holds the last one finished, so a resumed job starts at the next, and a
campaign interrupted half way is read again from its unmoved watermark. The worker's
scheduler queues this job once a day (`pocc.schedule.scheduler`).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pocc.dataverse import Query, all_of, column
from pocc.jobs.configuration import CONFIGURATIONS, read_configuration
from pocc.jobs.job_row import JobKindValue, format_time, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.responses.retrieval import CAMPAIGNS, WATERMARK, retrieve_campaign

logger = logging.getLogger(__name__)

WINDOW_DAYS = 90
CAMPAIGN_COLUMNS = (
    "pocc_campaignid",
    "pocc_ccid",
    "pocc_name",
    "pocc_primaryactivityid",
    "_pocc_sourcecampaignid_value",
    WATERMARK,
)


@register(JobKindValue.RETRIEVE_RESPONSES)
class RetrieveResponses(JobKind):
    def run(self, job: JobContext) -> Outcome:
        started = utc_now()
        campaigns = recent_campaigns(job)
        after = str(job.checkpoint.get("after", ""))
        counts: Counter[str] = Counter(job.checkpoint.get("counts", {}))
        errors: list[str] = []
        job.progress.reset()
        job.progress.set_total(len(campaigns))
        job.log(f"{len(campaigns)} campaigns were sent in the last {WINDOW_DAYS} days.")

        for row in campaigns:
            if row["pocc_ccid"] <= after:
                job.progress.done()
                continue

            job.stop_if_cancelled()
            problems = self._campaign(job, row, counts)
            errors.extend(problems)
            job.progress.done()

            if not problems:
                job.save_checkpoint({"after": row["pocc_ccid"], "counts": dict(counts)})

        if errors:
            return Outcome.partly_succeeded(_summary(counts), errors[0])

        _store_retrieval_time(job, started)
        return Outcome.succeeded(_summary(counts))

    def _campaign(
        self, job: JobContext, row: dict[str, Any], counts: Counter[str]
    ) -> list[str]:
        result = retrieve_campaign(
            job.dataverse, job.constant_contact, row, job.stop_if_cancelled
        )
        written = result.written
        counts.update(
            {
                "written": written.written,
                "already": written.already,
                "opted_out": written.opted_out,
                "unmatched": result.unmatched,
                "missing_records": written.missing_records,
            }
        )
        job.progress.sent(written.written)
        job.log(
            f"{row.get('pocc_name') or row['pocc_ccid']}: {result.events} new events, "
            f"{written.written} responses written, {written.already} already there"
        )

        if written.errors:
            job.progress.failed(len(written.errors))
            job.log(
                f"{len(written.errors)} responses could not be written; the campaign "
                f"will be read again next time. The first error: {written.errors[0]}"
            )
            return [f"{row['pocc_ccid']}: {written.errors[0]}"]

        return []


def recent_campaigns(job: JobContext) -> list[dict[str, Any]]:
    """Active campaigns sent in the window, with a D365 campaign to be regarding."""
    cutoff = utc_now() - timedelta(days=WINDOW_DAYS)
    query = Query(
        select=CAMPAIGN_COLUMNS,
        filter=all_of(
            [
                column("statecode").eq(0),
                column("pocc_primaryactivityid").is_not_null(),
                column("_pocc_sourcecampaignid_value").is_not_null(),
                column("pocc_lastsenton").ge(cutoff),
            ]
        ),
        orderby=["pocc_ccid asc"],
    )
    return list(job.dataverse.query(CAMPAIGNS, query))


def _store_retrieval_time(job: JobContext, started: datetime) -> None:
    row = read_configuration(job.dataverse)

    if row is not None:
        job.dataverse.update(
            CONFIGURATIONS,
            row["pocc_configurationid"],
            {"pocc_lastresponseretrievalon": format_time(started)},
        )


def _summary(counts: Counter[str]) -> str:
    return (
        f"{counts['written']:,} responses written ({counts['opted_out']:,} opt-outs "
        f"set Do not allow Bulk Emails), {counts['already']:,} already there, "
        f"{counts['unmatched']:,} events for addresses pocc did not send to"
    )
