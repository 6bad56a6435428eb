"""Refresh statistics: fresh figures for the campaigns sent in the last 90 days.

Opens and clicks keep arriving for days after a send, so this job re-reads, for
every active campaign sent in the window (or being sent now), its statistics (ten
activities a request, the most Constant Contact takes), links and send history, and
writes only what changed. The checkpoint holds how many batches are done.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pocc.dataverse import Query, all_of, any_of, column
from pocc.jobs.job_row import JobKindValue, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.jobs.kinds.campaign_records import (
    CAMPAIGN_COLUMNS,
    CAMPAIGNS,
    STATUS_VALUES,
    last_sent,
    statistics_columns,
    write_campaign,
    write_links,
    write_send_history,
)

logger = logging.getLogger(__name__)

WINDOW_DAYS = 90
BATCH = 10


@register(JobKindValue.REFRESH_STATISTICS)
class RefreshStatistics(JobKind):
    def run(self, job: JobContext) -> Outcome:
        campaigns = _recent_campaigns(job)
        batches = [campaigns[i : i + BATCH] for i in range(0, len(campaigns), BATCH)]
        done = int(job.checkpoint.get("batches", 0))
        written = int(job.checkpoint.get("written", 0))
        job.progress.reset()
        job.progress.set_total(len(campaigns))
        job.progress.done(sum(len(batch) for batch in batches[:done]))
        job.log(f"{len(campaigns)} campaigns were sent in the last {WINDOW_DAYS} days.")

        for number in range(done, len(batches)):
            job.stop_if_cancelled()
            written += self._refresh(job, batches[number])
            job.progress.done(len(batches[number]))
            job.save_checkpoint({"batches": number + 1, "written": written})

        return Outcome.succeeded(
            f"Statistics refreshed for {len(campaigns)} campaigns "
            f"({written} rows changed)"
        )

    def _refresh(self, job: JobContext, batch: list[dict[str, Any]]) -> int:
        constant_contact = job.constant_contact
        ids = [row["pocc_primaryactivityid"] for row in batch]
        results, errors = constant_contact.activity_stats(ids)
        stats = {result["campaign_activity_id"]: result for result in results}
        written = 0

        for error in errors:
            logger.info("no statistics for one activity: %s", error)

        for row in batch:
            activity_id = row["pocc_primaryactivityid"]
            history = constant_contact.send_history(activity_id)
            columns: dict[str, Any] = {}

            if activity_id in stats:
                columns.update(statistics_columns(stats[activity_id].get("stats", {})))

            if history:
                columns["pocc_lastsenton"] = last_sent(history)

            _, changed = write_campaign(job.dataverse, row, row["pocc_ccid"], columns)
            written += int(changed)
            written += write_send_history(
                job.dataverse, row["pocc_campaignid"], history
            )
            written += write_links(
                job.dataverse,
                row["pocc_campaignid"],
                constant_contact.link_clicks(activity_id),
            )

        return written


def _recent_campaigns(job: JobContext) -> list[dict[str, Any]]:
    """Active campaigns with a primary email, sent in the window or sending now."""
    cutoff = utc_now() - timedelta(days=WINDOW_DAYS)
    sending = column("pocc_campaignstatus").in_(
        [STATUS_VALUES["scheduled"], STATUS_VALUES["executing"]]
    )
    query = Query(
        select=CAMPAIGN_COLUMNS,
        filter=all_of(
            [
                column("statecode").eq(0),
                column("pocc_primaryactivityid").is_not_null(),
                any_of([column("pocc_lastsenton").ge(cutoff), sending]),
            ]
        ),
        orderby=["pocc_ccid asc"],
    )
    return list(job.dataverse.query(CAMPAIGNS, query))
