"""The engagement simulator and the event store, over plain data (no server)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from pocc.sandbox.constantcontact.campaign_content import extract_links, preview_text
from pocc.sandbox.constantcontact.engagement import (
    BOUNCE,
    CLICK,
    OPEN,
    SEND,
    EngagementEvent,
    Recipient,
    simulate_engagement,
)
from pocc.sandbox.constantcontact.store import AccountStore
from pocc.sandbox.constantcontact.tracking_store import ContactNames, TrackingStore

SENT_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
HTML = (
    '<html><body>[[trackingImage]]<p><a href="https://a.example/shop">Shop</a></p>'
    '<a href="https://a.example/blog">Blog</a><a href="mailto:x@a.example">Mail</a>'
    '<a href="https://a.example/shop">Shop again</a></body></html>'
)


def recipients(count: int) -> list[Recipient]:
    return [Recipient(f"c{i}", f"person.{i}@example.com") for i in range(count)]


def test_same_seed_gives_the_same_events_and_another_seed_others():
    links = extract_links("activity-1", HTML)

    first = list(simulate_engagement(recipients(2000), links, SENT_AT, "seed|a|1"))
    again = list(simulate_engagement(recipients(2000), links, SENT_AT, "seed|a|1"))
    other = list(simulate_engagement(recipients(2000), links, SENT_AT, "other|a|1"))

    assert first == again
    assert first != other


def test_a_recipient_s_fate_does_not_depend_on_the_others():
    links = extract_links("activity-1", HTML)
    everyone = simulate_engagement(recipients(500), links, SENT_AT, "k")
    alone = simulate_engagement(recipients(500)[-1:], links, SENT_AT, "k")

    assert [e for e in everyone if e.contact_id == "c499"] == list(alone)


def test_shares_are_realistic_and_clicks_use_the_email_s_own_links():
    links = extract_links("activity-1", HTML)
    events = list(simulate_engagement(recipients(10_000), links, SENT_AT, "k"))
    per_kind = {
        kind: {e.contact_id for e in events if e.kind == kind}
        for kind in (OPEN, CLICK, BOUNCE)
    }

    assert 150 < len(per_kind[BOUNCE]) < 500
    assert 2000 < len(per_kind[OPEN]) < 3500
    assert 200 < len(per_kind[CLICK]) < 700
    assert not per_kind[BOUNCE] & per_kind[OPEN]
    assert {e.link_url for e in events if e.kind == CLICK} == {
        "https://a.example/shop",
        "https://a.example/blog",
    }
    assert all(SENT_AT < e.occurred_at <= SENT_AT + timedelta(days=14) for e in events)


def test_some_contacts_open_several_times_from_different_devices():
    events = list(simulate_engagement(recipients(3000), [], SENT_AT, "k"))
    opens = Counter(e.contact_id for e in events if e.kind == OPEN)
    devices = {}

    for event in events:
        if event.kind == OPEN:
            devices.setdefault(event.contact_id, set()).add(event.device_type)

    assert max(opens.values()) >= 3
    assert any(len(kinds) > 1 for kinds in devices.values())


def test_links_merge_repeats_skip_mailto_and_keep_stable_ids():
    links = extract_links("activity-1", HTML)

    assert [link.url for link in links] == [
        "https://a.example/shop",
        "https://a.example/blog",
    ]
    assert links == extract_links("activity-1", HTML)
    assert all(link.url_id.isdigit() and len(link.url_id) == 13 for link in links)
    assert "Shop (https://a.example/shop)" in preview_text(HTML, {})


def test_reports_show_only_events_whose_time_has_come(tmp_path):
    store = AccountStore(tmp_path / "account.sqlite3")
    tracking = TrackingStore(store)
    people = recipients(300)
    names = {r.contact_id: ContactNames(r.email_address, "", "") for r in people}
    engagement = list(simulate_engagement(people, [], SENT_AT, "k"))
    tracking.add_events(
        "a1", 1, [EngagementEvent(SEND, r.contact_id, SENT_AT) for r in people], names
    )
    tracking.add_events("a1", 1, engagement, names)

    at_send = tracking.report_page("a1", "opens", SENT_AT, 500, None)
    week_later = tracking.report_page(
        "a1", "opens", SENT_AT + timedelta(days=30), 500, None
    )

    assert at_send == []
    assert len(week_later) == sum(1 for e in engagement if e.kind == OPEN)
    times = [row["occurred_at"] for row in week_later]
    assert times == sorted(times, reverse=True)
