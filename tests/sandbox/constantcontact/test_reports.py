"""Email reports: stats, links, send history and tracking reports agree with each
other and with the contacts, as issue 3 asks, for a campaign sent to 1,000 contacts.

The module runs on a sandbox of its own (`cc_private`) because it moves the clock by
weeks to let the simulated engagement unfold.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from tests.sandbox.constantcontact.campaign_helpers import (
    LINKS,
    PrivateSandbox,
    create_campaign,
    create_list,
    import_contacts,
    schedule_now,
    send_history,
    set_recipients,
)
from tests.sandbox.constantcontact.spec_client import ContractClient

RUN = uuid.uuid4().hex[:8]
PAGE = 500
TRACKING = "/reports/email_reports/{}/tracking/{}"
ACTIVITY_STATS = "/reports/stats/email_campaign_activities/{}"
CAMPAIGN_STATS = "/reports/stats/email_campaigns/{}"
DEVICES = ("computer", "mobile", "tablet", "other", "none")
BOUNCE_FIELDS = {
    "B": "em_bounces_nonexistent_address",
    "D": "em_bounces_undeliverable",
    "F": "em_bounces_mailbox_full",
    "S": "em_bounces_suspended",
    "V": "em_bounces_vacation",
    "X": "em_bounces_other",
    "Z": "em_bounces_blocked",
}
HARD_BOUNCES = ("B", "S")
REPORT_TYPES = {
    "sends": "em_sends",
    "opens": "em_opens",
    "unique_opens": "em_opens",
    "didnotopens": "em_didnotopens",
    "clicks": "em_clicks",
    "forwards": "em_forwards",
    "optouts": "em_optouts",
    "bounces": "em_bounces",
}


@dataclass
class SentCampaign:
    campaign_id: str
    activity_id: str
    list_id: str
    addresses: list[str]


@pytest.fixture(scope="module")
def sent_to_1000(cc_private: PrivateSandbox) -> SentCampaign:
    """A campaign sent now to 1,000 imported contacts, then three weeks of clock."""
    api = cc_private.api
    list_id = create_list(api)
    addresses = import_contacts(api, list_id, 1000, f"proof.{RUN}")
    campaign, activity_id = create_campaign(api)
    set_recipients(api, activity_id, [list_id])

    schedule_now(api, activity_id)
    cc_private.advance(21 * 86400)

    return SentCampaign(campaign["campaign_id"], activity_id, list_id, addresses)


def tracking(
    api: ContractClient, activity_id: str, report: str, **params: Any
) -> list[dict[str, Any]]:
    """Every row of a tracking report, page by page, checking the paging itself:
    full pages until the last, `next` only when more follow, newest first."""
    limit = int(params.get("limit", PAGE))
    next_path: str | None = TRACKING.format(activity_id, report)
    query: dict[str, Any] | None = params
    rows: list[dict[str, Any]] = []

    while next_path:
        response = api.get(next_path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        page = body["tracking_activities"]
        next_path = (body["_links"].get("next") or {}).get("href")
        query = None

        assert len(page) == limit if next_path else len(page) <= limit
        rows.extend(page)

    times = [row["created_time"] for row in rows]
    assert times == sorted(times, reverse=True), f"{report} is not newest first"
    assert {row["tracking_activity_type"] for row in rows} <= {REPORT_TYPES[report]}
    assert {row["campaign_activity_id"] for row in rows} <= {activity_id}
    return rows


def contacts_of(rows: list[dict[str, Any]]) -> set[str]:
    return {row["contact_id"] for row in rows}


def activity_stats(api: ContractClient, activity_id: str) -> dict[str, int]:
    response = api.get(ACTIVITY_STATS.format(activity_id))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    return result["stats"]


def test_a_send_to_1000_contacts_gives_reports_that_agree(
    cc_private: PrivateSandbox, sent_to_1000: SentCampaign
):
    api = cc_private.api
    activity_id = sent_to_1000.activity_id
    reports = {name: tracking(api, activity_id, name) for name in REPORT_TYPES}
    stats = activity_stats(api, activity_id)
    members = {
        contact["contact_id"]: contact
        for contact in api.pages(
            "/contacts",
            "contacts",
            params={"lists": sent_to_1000.list_id, "status": "all", "limit": 500},
        )
    }

    # Everyone was sent to once, and send history, stats and the report say so.
    [history] = send_history(api, activity_id)
    assert (history["count"], history["reason_code"]) == (1000, 0)
    assert stats["em_sends"] == len(reports["sends"]) == 1000
    assert contacts_of(reports["sends"]) == set(members)
    sent_addresses = {row["email_address"] for row in reports["sends"]}
    assert sent_addresses == set(sent_to_1000.addresses)

    check_opens(stats, reports)
    check_bounces(stats, reports)
    check_clicks_and_links(api, activity_id, stats, reports)
    check_forwards_and_opt_outs(stats, reports, members)
    check_campaign_stats(api, sent_to_1000.campaign_id, stats)

    # A realistic share engaged, so the checks above compared real numbers.
    assert 150 < stats["em_opens"] < 450
    assert stats["em_clicks"] > 10
    assert stats["em_bounces"] > 5


def check_opens(stats: dict[str, int], reports: dict[str, list]) -> None:
    opens, unique = reports["opens"], reports["unique_opens"]
    devices = Counter(row["device_type"] for row in opens)

    assert stats["em_opens_all"] == len(opens)
    assert stats["em_opens"] == len(unique) == len(contacts_of(opens))
    assert contacts_of(unique) == contacts_of(opens)
    assert max(Counter(row["contact_id"] for row in opens).values()) > 1
    assert all(stats[f"em_opens_all_{d}"] == devices.get(d, 0) for d in DEVICES)

    did_not_open = contacts_of(reports["didnotopens"])
    bounced = contacts_of(reports["bounces"])
    assert stats["em_not_opened"] == len(did_not_open)
    assert not did_not_open & contacts_of(unique)
    assert not did_not_open & bounced
    assert did_not_open | contacts_of(unique) | bounced == contacts_of(reports["sends"])


def check_bounces(stats: dict[str, int], reports: dict[str, list]) -> None:
    bounces = reports["bounces"]
    codes = Counter(row["bounce_code"] for row in bounces)

    assert stats["em_bounces"] == len(bounces) == len(contacts_of(bounces))
    assert set(codes) <= set(BOUNCE_FIELDS)
    assert all(
        stats[field] == codes.get(code, 0) for code, field in BOUNCE_FIELDS.items()
    )
    assert not contacts_of(bounces) & contacts_of(reports["opens"])


def check_clicks_and_links(
    api: ContractClient,
    activity_id: str,
    stats: dict[str, int],
    reports: dict[str, list],
) -> None:
    clicks = reports["clicks"]
    devices = Counter(row["device_type"] for row in clicks)
    links = api.get(
        f"/reports/email_reports/{activity_id}/links", params={"no_clicks": "true"}
    ).json()["link_click_counts"]

    assert stats["em_clicks_all"] == len(clicks)
    assert stats["em_clicks"] == len(contacts_of(clicks))
    assert all(stats[f"em_clicks_all_{d}"] == devices.get(d, 0) for d in DEVICES)
    assert contacts_of(clicks) <= contacts_of(reports["opens"])
    assert [link["link_url"] for link in links] == list(LINKS)

    for link in links:
        by_link = tracking(api, activity_id, "clicks", url_id=link["url_id"])
        expected = [row for row in clicks if row["url_id"] == link["url_id"]]

        assert by_link == expected
        assert {row["link_url"] for row in by_link} <= {link["link_url"]}
        assert link["unique_clicks"] == len(contacts_of(by_link))

    clicked_only = api.get(f"/reports/email_reports/{activity_id}/links").json()
    assert all(link["unique_clicks"] > 0 for link in clicked_only["link_click_counts"])


def check_forwards_and_opt_outs(
    stats: dict[str, int],
    reports: dict[str, list],
    members: dict[str, dict[str, Any]],
) -> None:
    """Opted-out contacts end unsubscribed by themselves; so do abuse reporters
    (the stats count them; no tracking report lists them); nobody else changes."""
    opted_out = contacts_of(reports["optouts"])
    unsubscribed = {
        contact_id
        for contact_id, contact in members.items()
        if contact["email_address"]["permission_to_send"] == "unsubscribed"
    }

    assert stats["em_forwards"] == len(contacts_of(reports["forwards"]))
    assert contacts_of(reports["forwards"]) <= contacts_of(reports["opens"])
    assert stats["em_optouts"] == len(reports["optouts"]) == len(opted_out)
    assert opted_out <= unsubscribed
    assert len(unsubscribed - opted_out) <= stats["em_abuse"]
    assert all(
        members[contact_id]["email_address"]["opt_out_source"] == "Contact"
        for contact_id in unsubscribed
    )
    assert all(
        contact["email_address"]["permission_to_send"] == "implicit"
        for contact_id, contact in members.items()
        if contact_id not in unsubscribed
    )


def check_campaign_stats(
    api: ContractClient, campaign_id: str, activity: dict[str, int]
) -> None:
    response = api.get(CAMPAIGN_STATS.format(campaign_id))
    [result] = response.json()["results"]
    stats, percents = result["stats"], result["percents"]
    delivered = activity["em_sends"] - activity["em_bounces"]

    assert all(activity[name] == value for name, value in stats.items())
    assert percents["open"] == round(100 * activity["em_opens"] / delivered, 1)
    assert percents["bounce"] == round(
        100 * activity["em_bounces"] / activity["em_sends"], 1
    )
    assert percents["unsubscribe"] == round(100 * activity["em_optouts"] / delivered, 1)


def test_a_later_campaign_skips_opted_out_and_hard_bounced_contacts(
    cc_private: PrivateSandbox, sent_to_1000: SentCampaign
):
    api = cc_private.api
    first = sent_to_1000.activity_id
    bounces = tracking(api, first, "bounces")
    hard = {row["contact_id"] for row in bounces if row["bounce_code"] in HARD_BOUNCES}
    unsubscribed = {
        contact["contact_id"]
        for contact in api.pages(
            "/contacts",
            "contacts",
            params={"lists": sent_to_1000.list_id, "status": "unsubscribed"},
        )
    }
    _, second = create_campaign(api)
    set_recipients(api, second, [sent_to_1000.list_id])

    schedule_now(api, second)

    sent = contacts_of(tracking(api, second, "sends"))
    assert len(sent) == 1000 - len(hard | unsubscribed)
    assert not sent & (hard | unsubscribed)


def test_paging_follows_the_cursor_with_any_page_size(
    cc_private: PrivateSandbox, sent_to_1000: SentCampaign
):
    api = cc_private.api
    activity_id = sent_to_1000.activity_id
    whole = tracking(api, activity_id, "opens")

    paged = tracking(api, activity_id, "opens", limit=37)

    assert paged == whole
    assert len(tracking(api, activity_id, "sends", limit=500)) == 1000
    over = api.get(TRACKING.format(activity_id, "sends"), params={"limit": 501})
    assert over.status_code == 400


def test_reports_show_only_what_the_clock_has_reached(cc_private: PrivateSandbox):
    api = cc_private.api
    list_id = create_list(api)
    import_contacts(api, list_id, 200, f"clock.{RUN}")
    _, activity_id = create_campaign(api)
    set_recipients(api, activity_id, [list_id])

    schedule_now(api, activity_id)
    at_send = activity_stats(api, activity_id)
    cc_private.advance(14 * 86400)
    later = activity_stats(api, activity_id)

    # Real time runs on between the send and the first read, so the odd open may
    # already have happened; weeks later, a realistic share has.
    assert at_send["em_sends"] == later["em_sends"] == 200
    assert at_send["em_opens"] <= 2
    assert later["em_opens"] > 20
    assert later["em_not_opened"] < at_send["em_not_opened"]


def test_stats_take_up_to_10_ids_and_list_unknown_ones_under_errors(
    cc_api: ContractClient,
):
    campaign, draft = create_campaign(cc_api)
    unknown = str(uuid.uuid4())

    answer = cc_api.get(ACTIVITY_STATS.format(f"{draft},{unknown}")).json()
    eleven = cc_api.get(ACTIVITY_STATS.format(",".join([unknown] * 11)))
    malformed = cc_api.get(ACTIVITY_STATS.format(f"{unknown},not-an-id"))
    campaigns = cc_api.get(
        CAMPAIGN_STATS.format(f"{campaign['campaign_id']},{unknown}")
    )

    assert answer["results"] == []
    assert [e["error_key"] for e in answer["errors"]] == [
        "reportingsvc.not_found.invalid_path_param.campaign_activity_ids."
    ] * 2
    assert eleven.status_code == 400
    assert malformed.status_code == 404
    assert campaigns.status_code == 200
    [error] = campaigns.json()["errors"]
    assert unknown in error["error_message"]


def seeded_events(api: ContractClient, name: str) -> list[tuple]:
    """The events of a seeded campaign, with times relative to its send."""
    campaign = next(c for c in api.pages("/emails", "campaigns") if c["name"] == name)
    detail = api.get(f"/emails/{campaign['campaign_id']}").json()
    activity_id = next(
        a["campaign_activity_id"]
        for a in detail["campaign_activities"]
        if a["role"] == "primary_email"
    )
    [history] = send_history(api, activity_id)
    events = []

    for report in ("opens", "clicks", "forwards", "optouts", "bounces"):
        for row in tracking(api, activity_id, report):
            events.append(
                (
                    report,
                    row["email_address"],
                    row.get("device_type"),
                    row.get("url_id"),
                    row.get("bounce_code"),
                    elapsed(history["run_date"], row["created_time"]),
                )
            )

    return sorted(events, key=lambda event: (repr(event[:-1]), event[-1]))


def elapsed(start: str, end: str) -> float:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return (parse(end) - parse(start)).total_seconds()


def test_the_same_seed_gives_the_same_events(
    cc_api: ContractClient, cc_private: PrivateSandbox
):
    """Two sandboxes seeded at different moments, one of them three weeks ahead,
    hold the same engagement for the same seeded campaign."""
    in_session = seeded_events(cc_api, "Spring Roast Launch")
    in_private = seeded_events(cc_private.api, "Spring Roast Launch")

    assert len(in_session) > 20
    # Times are written to the millisecond, so each side may round differently.
    assert [event[:-1] for event in in_session] == [e[:-1] for e in in_private]
    assert all(
        abs(ours[-1] - theirs[-1]) < 0.002
        for ours, theirs in zip(in_session, in_private, strict=True)
    )
