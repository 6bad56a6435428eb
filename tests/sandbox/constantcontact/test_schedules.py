"""Scheduling and sending campaign activities, send history, previews and test sends.

The tests that move the sandbox clock run on a sandbox of this module's own
(`cc_private`); the restart test starts one more of its own (`fresh_sandbox`).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

from pocc.sandbox.constantcontact.campaign_content import extract_links
from pocc.sandbox.constantcontact.engagement import (
    ABUSE,
    OPT_OUT,
    Recipient,
    simulate_engagement,
)
from pocc.sandbox.constantcontact.sending import (
    DEFAULT_SETTINGS,
    engagement_run_key,
)
from tests.sandbox.constantcontact.campaign_helpers import (
    LINKS,
    activity_status,
    api_time,
    campaign_body,
    create_campaign,
    create_list,
    import_contacts,
    import_rows,
    sandbox_now,
    schedule_now,
    send_history,
    set_recipients,
)
from tests.sandbox.constantcontact.contact_helpers import new_contact
from tests.sandbox.constantcontact.spec_client import ContractClient

SCHEDULES = "/emails/activities/{}/schedules"
# Keeps this run's addresses apart from those of earlier runs on the same sandbox.
RUN = uuid.uuid4().hex[:8]
SENDS_REPORT = "/reports/email_reports/{}/tracking/sends"


def sent_addresses(api: ContractClient, activity_id: str) -> list[str]:
    rows = api.pages(SENDS_REPORT.format(activity_id), "tracking_activities")
    return [row["email_address"] for row in rows]


def sendable_campaign(api: ContractClient, contacts: int, prefix: str) -> tuple:
    """A draft campaign whose primary activity goes to a new list of new contacts."""
    list_id = create_list(api)
    addresses = import_contacts(api, list_id, contacts, prefix)
    campaign, activity_id = create_campaign(api)
    set_recipients(api, activity_id, [list_id])
    return campaign, activity_id, list_id, addresses


def test_sending_now_reaches_every_eligible_member_once(cc_api: ContractClient):
    list_id = create_list(cc_api)
    members = [new_contact(cc_api, list_memberships=[list_id]) for _ in range(4)]
    opted_out = new_contact(
        cc_api,
        email_address={
            "address": f"opted.out.{list_id}@example.com",
            "permission_to_send": "unsubscribed",
        },
        list_memberships=[list_id],
    )
    deleted = members.pop()
    assert cc_api.delete(f"/contacts/{deleted['contact_id']}").status_code == 204
    campaign, activity_id = create_campaign(cc_api)
    set_recipients(cc_api, activity_id, [list_id])

    schedule_now(cc_api, activity_id)

    expected = {m["email_address"]["address"] for m in members}
    assert sorted(sent_addresses(cc_api, activity_id)) == sorted(expected)
    assert opted_out["email_address"]["address"] not in expected
    assert activity_status(cc_api, activity_id) == "DONE"
    detail = cc_api.get(f"/emails/{campaign['campaign_id']}").json()
    assert detail["current_status"] == "Done"
    assert cc_api.get(SCHEDULES.format(activity_id)).json() == []

    [history] = send_history(cc_api, activity_id)
    assert history["send_id"] == 1
    assert history["count"] == 3
    assert history["contact_list_ids"] == [list_id]
    assert (history["send_status"], history["reason_code"]) == ("COMPLETED", 0)


def test_a_later_date_waits_for_the_sandbox_clock(cc_private):
    api = cc_private.api
    _, activity_id, _, addresses = sendable_campaign(api, 5, f"later.{RUN}")
    when = cc_private.now() + timedelta(hours=2)

    scheduled = api.post(
        SCHEDULES.format(activity_id), json={"scheduled_date": api_time(when)}
    )

    assert scheduled.status_code == 201
    assert scheduled.json() == [{"scheduled_date": api_time(when)}]
    assert api.get(SCHEDULES.format(activity_id)).json() == scheduled.json()
    assert activity_status(api, activity_id) == "SCHEDULED"
    assert send_history(api, activity_id) == []

    cc_private.advance(2 * 3600 + 1)

    assert activity_status(api, activity_id) == "DONE"
    [history] = send_history(api, activity_id)
    assert history["run_date"] == api_time(when)
    assert history["count"] == len(addresses)
    assert api.get(SCHEDULES.format(activity_id)).json() == []


def test_unscheduling_returns_to_the_status_before(cc_api: ContractClient):
    _, activity_id, _, _ = sendable_campaign(cc_api, 1, f"unschedule.{RUN}")
    later = {"scheduled_date": "2999-01-01"}

    assert cc_api.post(SCHEDULES.format(activity_id), json=later).status_code == 201
    assert cc_api.delete(SCHEDULES.format(activity_id)).status_code == 204
    assert activity_status(cc_api, activity_id) == "DRAFT"
    assert cc_api.get(SCHEDULES.format(activity_id)).json() == []

    again = cc_api.delete(SCHEDULES.format(activity_id))
    assert again.status_code == 400
    assert again.json()[0]["error_key"] == "email.api.campaign_activity.status"


def test_only_a_primary_draft_done_or_error_activity_with_recipients_is_scheduled(
    cc_api: ContractClient,
):
    campaign, activity_id = create_campaign(cc_api)
    permalink = next(
        a["campaign_activity_id"]
        for a in campaign["campaign_activities"]
        if a["role"] == "permalink"
    )
    now = {"scheduled_date": "0"}

    no_recipients = cc_api.post(SCHEDULES.format(activity_id), json=now)
    on_permalink = cc_api.post(SCHEDULES.format(permalink), json=now)
    set_recipients(cc_api, activity_id, [create_list(cc_api)])
    in_the_past = cc_api.post(
        SCHEDULES.format(activity_id), json={"scheduled_date": "2001-01-01"}
    )
    not_a_date = cc_api.post(
        SCHEDULES.format(activity_id), json={"scheduled_date": "next friday"}
    )
    first = cc_api.post(
        SCHEDULES.format(activity_id), json={"scheduled_date": "2999-01-01"}
    )
    while_scheduled = cc_api.post(SCHEDULES.format(activity_id), json=now)

    assert (
        no_recipients.json()[0]["error_key"] == "email.api.campaign_activity.recipients"
    )
    assert on_permalink.json()[0]["error_key"] == "email.api.campaign_activity.role"
    assert in_the_past.status_code == not_a_date.status_code == 400
    assert first.status_code == 201
    assert while_scheduled.status_code == 400
    assert "SCHEDULED" in while_scheduled.json()[0]["error_message"]
    cc_api.delete(SCHEDULES.format(activity_id))


def test_scheduling_a_done_activity_sends_only_to_contacts_not_sent_before(
    cc_api: ContractClient,
):
    _, activity_id, list_id, first_wave = sendable_campaign(
        cc_api, 3, f"resend.{RUN}.first"
    )
    schedule_now(cc_api, activity_id)
    second_wave = import_contacts(cc_api, list_id, 2, f"resend.{RUN}.second")

    schedule_now(cc_api, activity_id)

    history = send_history(cc_api, activity_id)
    assert [(h["send_id"], h["count"]) for h in history] == [(1, 3), (2, 2)]
    sent = sent_addresses(cc_api, activity_id)
    assert sorted(sent) == sorted(first_wave + second_wave)
    assert activity_status(cc_api, activity_id) == "DONE"


def test_a_send_with_no_eligible_contact_is_completed_with_reason_12(
    cc_api: ContractClient,
):
    _, activity_id, _, _ = sendable_campaign(cc_api, 2, f"twelve.{RUN}")
    schedule_now(cc_api, activity_id)

    schedule_now(cc_api, activity_id)

    last = send_history(cc_api, activity_id)[-1]
    assert (last["send_id"], last["count"]) == (2, 0)
    assert (last["send_status"], last["reason_code"]) == ("COMPLETED", 12)

    _, empty_list_activity = create_campaign(cc_api)
    set_recipients(cc_api, empty_list_activity, [create_list(cc_api)])
    schedule_now(cc_api, empty_list_activity)
    [only] = send_history(cc_api, empty_list_activity)
    assert (only["count"], only["reason_code"]) == (0, 12)


def test_a_link_longer_than_1005_characters_fails_the_send_with_reason_8(
    cc_api: ContractClient,
):
    long_link = "https://contoso-coffee.example/?ref=" + "x" * 1000
    response = cc_api.post("/emails", json=campaign_body(links=(long_link,)))
    activity_id = next(
        a["campaign_activity_id"]
        for a in response.json()["campaign_activities"]
        if a["role"] == "primary_email"
    )
    list_id = create_list(cc_api)
    import_contacts(cc_api, list_id, 1, f"reason8.{RUN}")
    set_recipients(cc_api, activity_id, [list_id])

    schedule_now(cc_api, activity_id)

    [history] = send_history(cc_api, activity_id)
    assert (history["send_status"], history["reason_code"]) == ("ERRORED", 8)
    assert history["count"] == 0
    assert activity_status(cc_api, activity_id) == "ERROR"


def test_previews_show_the_html_and_text_with_the_owner_s_details(
    cc_api: ContractClient,
):
    _, activity_id = create_campaign(cc_api)
    owner = cc_api.get("/account/summary").json()

    response = cc_api.get(f"/emails/activities/{activity_id}/previews")

    assert response.status_code == 200
    preview = response.json()
    html = preview["preview_html_content"]
    text = preview["preview_text_content"]
    assert "[[trackingImage]]" not in html
    assert "[[FIRSTNAME]]" not in html
    assert f"Hello {owner['first_name']}" in html
    assert all(f'href="{link}"' in html for link in LINKS)
    assert "<" not in text
    assert f"Hello {owner['first_name']}" in text
    assert all(f"({link})" in text for link in LINKS)
    assert preview["subject"] == "Fresh roasts"
    assert preview["campaign_activity_id"] == activity_id


def test_test_sends_are_limited_to_50_emails_a_utc_day(cc_private):
    api = cc_private.api
    _, activity_id = create_campaign(api)
    tests_path = f"/emails/activities/{activity_id}/tests"
    five = {"email_addresses": [f"tester.{i}@example.com" for i in range(5)]}

    for _ in range(10):
        assert api.post(tests_path, json=five).status_code == 204

    over = api.post(tests_path, json={"email_addresses": ["one.more@example.com"]})
    assert over.status_code == 429
    six = api.post(tests_path, json={"email_addresses": ["a@example.com"] * 6})
    assert six.status_code == 400

    now = cc_private.now()
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=1)
    cc_private.advance((tomorrow - now).total_seconds())
    again = api.post(tests_path, json={"email_addresses": ["next.day@example.com"]})
    assert again.status_code == 204
    assert DEFAULT_SETTINGS["test_emails_per_day"] == 50


def predicted_unsubscribes(
    activity_id: str, html: str, addresses: list[str], sent_at: datetime
) -> set[str]:
    """Who the seeded simulation says will opt out or report abuse after a send."""
    recipients = [Recipient(address, address) for address in addresses]
    run_key = engagement_run_key(DEFAULT_SETTINGS["engagement_seed"], activity_id, 1)
    events = simulate_engagement(
        recipients, extract_links(activity_id, html), sent_at, run_key
    )
    return {event.contact_id for event in events if event.kind in (OPT_OUT, ABUSE)}


def test_after_a_restart_sends_and_opt_outs_need_no_campaign_request(
    fresh_sandbox, cc_api_for
):
    """Only the background loop can unsubscribe these contacts: after the restart
    nothing but the contacts is read until they are. The addresses are chosen, from
    the documented seed, so that exactly three of them will opt out."""
    process = fresh_sandbox()
    api = cc_api_for(process)
    _, activity_id = create_campaign(api)
    html = campaign_body()["email_campaign_activities"][0]["html_content"]
    when = (sandbox_now(process) + timedelta(hours=1)).replace(microsecond=0)
    candidates = [f"restart.{n}@example.com" for n in range(6000)]
    leaving = predicted_unsubscribes(activity_id, html, candidates, when)
    staying = [a for a in candidates if a not in leaving][:40]
    list_id = create_list(api)
    rows = [{"email": address} for address in sorted(leaving)[:3] + staying]
    import_rows(api, list_id, rows)
    set_recipients(api, activity_id, [list_id])
    scheduled = api.post(
        SCHEDULES.format(activity_id), json={"scheduled_date": api_time(when)}
    )
    assert scheduled.status_code == 201

    process.restart()
    api = cc_api_for(process)
    answer = process.sandbox_admin("POST", "clock/advance", {"seconds": 9 * 86400})
    assert answer.status_code == 200

    expected = sorted(leaving)[:3]
    ours = {row["email"] for row in rows}
    unsubscribed = wait_for_unsubscribed(api, ours, len(expected))
    assert unsubscribed == expected
    [history] = send_history(api, activity_id)
    assert history["run_date"] == api_time(when)
    assert history["count"] == len(rows)


def wait_for_unsubscribed(
    api: ContractClient, addresses: set[str], count: int
) -> list[str]:
    """Poll the contacts (never a campaign operation) until `count` of `addresses`
    are unsubscribed."""
    deadline = time.monotonic() + 15
    found: list[str] = []

    while time.monotonic() < deadline:
        contacts = api.pages(
            "/contacts", "contacts", params={"status": "unsubscribed", "limit": 500}
        )
        found = sorted(
            c["email_address"]["address"]
            for c in contacts
            if c["email_address"]["address"] in addresses
        )

        if len(found) >= count:
            return found

        time.sleep(0.1)

    return found
