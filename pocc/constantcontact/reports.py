"""Campaign statistics, link clicks and tracking reports (scope `campaign_data`;
reference notes, 6.7).

Statistics answer partial failures inside a 200 (`errors[]` beside `results[]`); pocc
returns both so a caller can record which activities had no statistics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from pocc.constantcontact.api_base import MAX_PAGE, ApiBase, segment

logger = logging.getLogger(__name__)

# Activity statistics take at most 10 ids a request.
MAX_STATS_IDS = 10
TRACKING_KINDS = frozenset(
    {
        "sends",
        "opens",
        "unique_opens",
        "clicks",
        "bounces",
        "optouts",
        "forwards",
        "didnotopens",
    }
)


class ReportsApi(ApiBase):
    def activity_stats(
        self, campaign_activity_ids: Sequence[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(results, errors) for any number of activities, 10 ids a request."""
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        ids = list(dict.fromkeys(campaign_activity_ids))

        for start in range(0, len(ids), MAX_STATS_IDS):
            chunk = ",".join(segment(i) for i in ids[start : start + MAX_STATS_IDS])
            body = self._get(
                f"reports/stats/email_campaign_activities/{chunk}",
                "reading campaign activity statistics",
            )
            results.extend(body.get("results") or [])
            errors.extend(body.get("errors") or [])

        return results, errors

    def campaign_stats(self, campaign_ids: Sequence[str]) -> dict[str, Any]:
        """Campaign-level statistics and percents; one unknown id fails them all."""
        chunk = ",".join(segment(i) for i in campaign_ids)
        return self._get(
            f"reports/stats/email_campaigns/{chunk}", "reading campaign statistics"
        )

    def link_clicks(
        self, campaign_activity_id: str, include_unclicked: bool = True
    ) -> list[dict[str, Any]]:
        """Every link of the activity with its clicks (`link_click_counts`)."""
        body = self._get(
            f"reports/email_reports/{segment(campaign_activity_id)}/links",
            "reading link clicks",
            {"no_clicks": "true" if include_unclicked else "false"},
        )
        return body.get("link_click_counts") or []

    def tracking(
        self, campaign_activity_id: str, kind: str, page_size: int = MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every row of one tracking report (opens, clicks, optouts...), newest
        first."""
        if kind not in TRACKING_KINDS:
            raise ValueError(f"unknown tracking report {kind!r}")

        path = f"reports/email_reports/{segment(campaign_activity_id)}/tracking/{kind}"
        return self._items(
            path,
            "tracking_activities",
            f"reading the {kind} report",
            {"limit": page_size},
        )
