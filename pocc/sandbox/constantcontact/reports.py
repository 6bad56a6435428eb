"""Email reports, all derived from the tracking events (`tracking_store.py`).

- `GET /reports/stats/email_campaign_activities/{ids}`: up to 10 ids; ids without
  stats are listed under `errors`, a malformed id answers 404 for all.
- `GET /reports/stats/email_campaigns/{ids}`: the same per campaign, with percents.
- `GET /reports/email_reports/{id}/links`: unique clickers per link of the HTML.
- `GET /reports/email_reports/{id}/tracking/{report}`: newest first, 500 a page by
  default (1-500), cursor paging through `_links.next.href`, no "since" filter. The
  last page carries `_links` without `next` (the spec types `href` as a string, so
  the sandbox leaves it out rather than sending null).

Because every figure is counted from the same events, stats, links, send history and
tracking reports agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pocc.sandbox.patterns import GUID

from . import contact_records, params, timestamps
from .campaign_store import ACTIVITY
from .engagement import (
    ABUSE,
    BOUNCE,
    BOUNCE_STAT_FIELDS,
    CLICK,
    FORWARD,
    OPEN,
    OPT_OUT,
    SEND,
)
from .errors import InvalidRequestError, NotFoundError
from .routing import Call, Reply, operation
from .sending import CampaignDesk, desk_of
from .tracking_store import DERIVED_REPORTS, REPORT_KINDS, PageCursor

SCOPE = "campaign_data"
ERROR_KEY = "reportingsvc.validation.error"
UUID = re.compile(f"^{GUID}$")
DEVICES = ("computer", "mobile", "tablet", "other", "none")
BOUNCE_CODES = tuple(BOUNCE_STAT_FIELDS)
MAX_ACTIVITY_IDS = 10
MAX_CAMPAIGN_IDS = 150


@operation(
    "GET",
    "/reports/stats/email_campaign_activities/{campaign_activity_ids}",
    scope=SCOPE,
)
def activity_stats(call: Call) -> Reply:
    ids = _id_list(call.path_params["campaign_activity_ids"], MAX_ACTIVITY_IDS)
    desk = desk_of(call.service)
    desk.catch_up()
    now = call.now()
    results, errors = [], []

    for activity_id in ids:
        activity = call.store.get(ACTIVITY, activity_id)

        if activity is None or not activity["sandbox"]["send_history"]:
            errors.append(_no_stats("campaign_activity_ids", activity_id))
            continue

        stats = _statistics(desk, [activity_id], now)
        results.append(
            {
                "campaign_id": activity["campaign_id"],
                "campaign_activity_id": activity_id,
                "stats": stats,
                "last_refresh_time": timestamps.iso(now),
            }
        )

    return 200, {"results": results, "errors": errors}


@operation("GET", "/reports/stats/email_campaigns/{campaign_ids}", scope=SCOPE)
def campaign_stats(call: Call) -> Reply:
    ids = _id_list(call.path_params["campaign_ids"], MAX_CAMPAIGN_IDS)
    desk = desk_of(call.service)
    desk.catch_up()
    now = call.now()
    results, errors = [], []

    for campaign_id in ids:
        try:
            campaign = desk.campaigns.campaign(campaign_id)
        except NotFoundError:
            errors.append(_no_stats("campaign_ids", campaign_id))
            continue

        activity_ids = [
            reference["campaign_activity_id"]
            for reference in campaign["campaign_activities"]
            if reference["role"] in ("primary_email", "resend")
        ]
        stats = _statistics(desk, activity_ids, now)
        results.append(
            {
                "campaign_id": campaign_id,
                "stats": {key: stats[key] for key in CAMPAIGN_STAT_FIELDS},
                "percents": percents(stats),
                "last_refresh_time": timestamps.iso(now),
            }
        )

    return 200, {"results": results, "errors": errors}


@operation("GET", "/reports/email_reports/{campaign_activity_id}/links", scope=SCOPE)
def link_report(call: Call) -> Reply:
    activity_id = _known_activity(call)
    include_unclicked = params.boolean(call.query, "no_clicks", ERROR_KEY)
    desk = desk_of(call.service)
    desk.catch_up()
    clicks = desk.tracking.link_clicks(activity_id, call.now())

    counts = [
        {
            "link_url": link.url,
            "url_id": link.url_id,
            "unique_clicks": clicks.get(link.url_id, 0),
        }
        for link in desk.tracking.links(activity_id)
        if include_unclicked or clicks.get(link.url_id)
    ]
    return 200, {"campaign_activity_id": activity_id, "link_click_counts": counts}


def _tracking_operation(report: str) -> None:
    path = "/reports/email_reports/{campaign_activity_id}/tracking/" + report

    @operation("GET", path, scope=SCOPE)
    def tracking_report(call: Call) -> Reply:
        return _tracking_page(call, report)

    tracking_report.__name__ = f"tracking_{report}"


for _report in (*REPORT_KINDS, *DERIVED_REPORTS):
    _tracking_operation(_report)


def _tracking_page(call: Call, report: str) -> Reply:
    activity_id = _known_activity(call)
    limit = params.integer(
        call.query, "limit", ERROR_KEY, default=500, minimum=1, maximum=500
    )
    cursor = params.decode_cursor(call.query, ERROR_KEY)
    url_ids = _url_ids(call) if report == "clicks" else []
    bounce_codes = _bounce_codes(call) if report == "bounces" else []
    desk = desk_of(call.service)
    desk.catch_up()

    after = PageCursor(cursor["time"], int(cursor["seq"])) if cursor else None
    rows = desk.tracking.report_page(
        activity_id, report, call.now(), limit, after, url_ids, bounce_codes
    )
    page = rows[:limit]
    current = _current_contacts(call, [row["contact_id"] for row in page])
    body: dict[str, Any] = {
        "tracking_activities": [tracking_row(row, report, current) for row in page],
        "_links": {},
    }

    if len(rows) > limit:
        last = page[-1]
        query = {key: call.query.getlist(key) for key in call.query if key != "cursor"}
        query["cursor"] = params.encode_cursor(
            {"time": last["occurred_at"], "seq": last["seq"]}
        )
        path = f"/reports/email_reports/{activity_id}/tracking/{report}"
        body["_links"] = {"next": {"href": call.href(path, query)}}

    return 200, body


def tracking_row(
    row: Any, report: str, current: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """One tracking activity as its report's schema shows it."""
    contact = current.get(row["contact_id"])
    kind = "em_didnotopens" if report == "didnotopens" else row["kind"]
    item: dict[str, Any] = {
        "contact_id": row["contact_id"],
        "campaign_activity_id": row["campaign_activity_id"],
        "tracking_activity_type": kind,
        "email_address": row["email_address"],
        "first_name": row["first_name"] or "",
        "last_name": row["last_name"] or "",
        "created_time": row["occurred_at"],
    }

    if report in ("opens", "unique_opens", "clicks"):
        item["device_type"] = row["device_type"]

    if report == "clicks":
        item["url_id"] = row["url_id"]
        item["link_url"] = row["link_url"]

    if report == "optouts" and row["opt_out_reason"]:
        item["opt_out_reason"] = row["opt_out_reason"]

    if report == "bounces":
        item["bounce_code"] = row["bounce_code"]
        address = ((contact or {}).get("email_address") or {}).get("address")
        item["current_email_address"] = address or row["email_address"]

    if contact is not None and contact.get("deleted_at"):
        item["deleted_at"] = contact["deleted_at"][:10]

    return item


# Fields of the campaign-level stats (the spec lists no abuse or bounce breakdown).
CAMPAIGN_STAT_FIELDS = (
    "em_bounces",
    "em_clicks",
    "em_clicks_all",
    *(f"em_clicks_all_{device}" for device in DEVICES),
    "em_forwards",
    "em_not_opened",
    "em_opens",
    "em_opens_all",
    *(f"em_opens_all_{device}" for device in DEVICES),
    "em_optouts",
    "em_sends",
)


def activity_statistics(
    rows: Sequence[Any], unique_opens: int, unique_clicks: int
) -> dict[str, int]:
    """The `stats` object from grouped event counts (see `TrackingStore.counts`).

    Unique figures count different contacts; `_all` figures count every event. Rows
    come per activity, kind, device and bounce code, so unique contacts are summed
    over activities (a contact is sent one activity once) and over bounce codes (a
    contact bounces once a send). Openers and clickers use several devices, so their
    unique counts come from the store's own distinct count.
    """
    stats = {
        "em_sends": 0,
        "em_opens": 0,
        "em_opens_all": 0,
        "em_clicks": 0,
        "em_clicks_all": 0,
        "em_bounces": 0,
        "em_optouts": 0,
        "em_forwards": 0,
        "em_abuse": 0,
        **{f"em_opens_all_{device}": 0 for device in DEVICES},
        **{f"em_clicks_all_{device}": 0 for device in DEVICES},
        **dict.fromkeys(BOUNCE_STAT_FIELDS.values(), 0),
    }

    for row in rows:
        kind, events = row["kind"], row["events"]

        if kind in (OPEN, CLICK):
            device = row["device_type"] or "none"
            stats[f"{kind}_all"] += events
            stats[f"{kind}_all_{device}"] += events
        elif kind == BOUNCE:
            stats[BOUNCE_STAT_FIELDS[row["bounce_code"]]] += row["contacts"]
            stats[BOUNCE] += row["contacts"]
        elif kind in (SEND, OPT_OUT, FORWARD):
            stats[kind] += row["contacts"]
        elif kind == ABUSE:
            stats[ABUSE] += events

    stats["em_opens"] = unique_opens
    stats["em_clicks"] = unique_clicks
    stats["em_not_opened"] = max(
        0, stats["em_sends"] - stats["em_opens"] - stats["em_bounces"]
    )
    return stats


def _statistics(
    desk: CampaignDesk, activity_ids: list[str], now: datetime
) -> dict[str, int]:
    tracking = desk.tracking
    opens = tracking.distinct_contacts(activity_ids, OPEN, now)
    clicks = tracking.distinct_contacts(activity_ids, CLICK, now)

    return activity_statistics(
        tracking.counts(activity_ids, now), sum(opens.values()), sum(clicks.values())
    )


def percents(stats: dict[str, int]) -> dict[str, float]:
    delivered = stats["em_sends"] - stats["em_bounces"]
    mobile_opens = stats["em_opens_all_mobile"] + stats["em_opens_all_tablet"]
    mobile_clicks = stats["em_clicks_all_mobile"] + stats["em_clicks_all_tablet"]

    return {
        "bounce": _percent(stats["em_bounces"], stats["em_sends"]),
        "click": _percent(stats["em_clicks"], stats["em_opens"]),
        "desktop_click": _percent(
            stats["em_clicks_all_computer"], stats["em_clicks_all"]
        ),
        "desktop_open": _percent(stats["em_opens_all_computer"], stats["em_opens_all"]),
        "did_not_open": _percent(stats["em_not_opened"], delivered),
        "mobile_click": _percent(mobile_clicks, stats["em_clicks_all"]),
        "mobile_open": _percent(mobile_opens, stats["em_opens_all"]),
        "open": _percent(stats["em_opens"], delivered),
        "unsubscribe": _percent(stats["em_optouts"], delivered),
    }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def _id_list(raw: str, maximum: int) -> list[str]:
    ids = [item.strip() for item in raw.split(",") if item.strip()]

    if not ids or len(ids) > maximum:
        raise InvalidRequestError(ERROR_KEY, f"Give between 1 and {maximum} ids.")

    for item in ids:
        if not UUID.match(item):
            raise NotFoundError(
                "reportingsvc.not_found.invalid_path_param",
                f"{item} is not a valid id.",
            )

    return list(dict.fromkeys(ids))


def _no_stats(parameter: str, item_id: str) -> dict[str, str]:
    return {
        "error_key": f"reportingsvc.not_found.invalid_path_param.{parameter}.",
        "error_message": f"Could not find any campaign stats for {item_id}.",
    }


def _known_activity(call: Call) -> str:
    activity_id = call.path_params["campaign_activity_id"]

    if not UUID.match(activity_id) or call.store.get(ACTIVITY, activity_id) is None:
        raise NotFoundError(
            "reportingsvc.not_found.campaign_activity",
            f"Email campaign activity {activity_id} was not found.",
        )

    return activity_id


def _bounce_codes(call: Call) -> list[str]:
    codes = call.query.getlist("bounce_code")

    for code in codes:
        if code not in BOUNCE_CODES:
            raise InvalidRequestError(
                ERROR_KEY, "bounce_code does not have a valid value"
            )

    return codes


def _url_ids(call: Call) -> list[str]:
    """The spec types `url_id` as an int64, so anything else is refused."""
    url_ids = call.query.getlist("url_id")

    for url_id in url_ids:
        if not url_id.isascii() or not url_id.isdigit():
            raise InvalidRequestError(ERROR_KEY, "url_id must be an integer")

    return url_ids


def _current_contacts(call: Call, contact_ids: list[str]) -> dict[str, dict[str, Any]]:
    found = {}

    for contact_id in dict.fromkeys(contact_ids):
        contact = contact_records.get(call.store, contact_id)
        if contact is not None:
            found[contact_id] = contact

    return found
