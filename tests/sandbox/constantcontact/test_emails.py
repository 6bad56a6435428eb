"""Email campaigns and their activities, against the real HTTPS sandbox."""

from __future__ import annotations

from tests.sandbox.constantcontact.campaign_helpers import (
    activity_update,
    campaign_body,
    create_campaign,
    create_list,
    schedule_now,
)


def test_create_answers_200_with_primary_and_permalink_activities(cc_api):
    campaign, primary = create_campaign(cc_api)

    roles = sorted(a["role"] for a in campaign["campaign_activities"])
    assert roles == ["permalink", "primary_email"]
    assert campaign["current_status"] == "Draft"

    activity = cc_api.get(f"/emails/activities/{primary}").json()
    assert activity["current_status"] == "DRAFT"
    assert activity["format_type"] == 5
    assert "html_content" not in activity

    included = cc_api.get(
        f"/emails/activities/{primary}", params={"include": "html_content"}
    ).json()
    assert "[[trackingImage]]" in included["html_content"]


def test_duplicate_name_is_409_and_unconfirmed_sender_is_400(cc_api):
    campaign, _ = create_campaign(cc_api)

    again = cc_api.post("/emails", json=campaign_body(name=campaign["name"]))
    assert again.status_code == 409

    body = campaign_body()
    body["email_campaign_activities"][0]["from_email"] = (
        "marketing@contoso-coffee.example"
    )
    refused = cc_api.post("/emails", json=body)
    assert refused.status_code == 400
    assert refused.json()[0]["error_key"] == "email.api.validation.error"


def test_name_longer_than_80_is_refused(cc_api):
    response = cc_api.post("/emails", json=campaign_body(name="x" * 81))

    assert response.status_code == 400


def test_rename_and_delete_marks_removed_but_keeps_listing_it(cc_api):
    campaign, primary = create_campaign(cc_api)
    campaign_id = campaign["campaign_id"]

    renamed = cc_api.patch(
        f"/emails/{campaign_id}", json={"name": campaign["name"] + "!"}
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"].endswith("!")

    assert cc_api.delete(f"/emails/{campaign_id}").status_code == 204
    assert cc_api.get(f"/emails/{campaign_id}").json()["current_status"] == "Removed"
    assert cc_api.get(f"/emails/activities/{primary}").status_code == 404
    listed = {c["campaign_id"]: c for c in cc_api.pages("/emails", "campaigns")}
    assert listed[campaign_id]["current_status"] == "Removed"

    again = cc_api.patch(f"/emails/{campaign_id}", json={"name": "Renamed"})
    assert again.status_code == 400


def test_list_pages_and_filters_on_updated_at(cc_api):
    for _ in range(3):
        create_campaign(cc_api)

    first = cc_api.get("/emails", params={"limit": 2}).json()
    assert len(first["campaigns"]) == 2
    assert "campaign_activities" not in first["campaigns"][0]
    everything = list(cc_api.pages("/emails", "campaigns", params={"limit": 2}))
    assert len({c["campaign_id"] for c in everything}) == len(everything) >= 3

    future = cc_api.get("/emails", params={"after_date": "2999-01-01T00:00:00Z"})
    assert future.json()["campaigns"] == []
    assert cc_api.get("/emails", params={"limit": 501}).status_code == 400


def test_put_only_on_primary_email_and_never_lists_with_a_segment(cc_api):
    campaign, primary = create_campaign(cc_api)
    permalink = next(
        a["campaign_activity_id"]
        for a in campaign["campaign_activities"]
        if a["role"] == "permalink"
    )
    list_id = create_list(cc_api)

    on_permalink = cc_api.put(
        f"/emails/activities/{permalink}", json=activity_update([list_id])
    )
    assert on_permalink.status_code == 400

    both = cc_api.put(
        f"/emails/activities/{primary}",
        json=activity_update([list_id], segment_ids=[7]),
    )
    assert both.status_code == 400

    two_segments = cc_api.put(
        f"/emails/activities/{primary}",
        json=activity_update([], segment_ids=[7, 8]),
    )
    assert two_segments.status_code == 400

    missing_subject = activity_update([list_id])
    del missing_subject["subject"]
    assert (
        cc_api.put(f"/emails/activities/{primary}", json=missing_subject).status_code
        == 400
    )


def test_put_keeps_omitted_html_and_overwrites_omitted_preheader(cc_api):
    _, primary = create_campaign(cc_api)
    list_id = create_list(cc_api)

    updated = cc_api.put(
        f"/emails/activities/{primary}",
        json=activity_update([list_id], subject="New subject"),
    )
    assert updated.status_code == 200
    body = cc_api.get(
        f"/emails/activities/{primary}", params={"include": "html_content"}
    ).json()

    assert body["subject"] == "New subject"
    assert body["contact_list_ids"] == [list_id]
    assert "[[trackingImage]]" in body["html_content"]
    assert "preheader" not in body


def test_put_is_refused_while_scheduled(cc_api):
    _, primary = create_campaign(cc_api)
    list_id = create_list(cc_api)
    cc_api.put(f"/emails/activities/{primary}", json=activity_update([list_id]))
    scheduled = cc_api.post(
        f"/emails/activities/{primary}/schedules",
        json={"scheduled_date": "2999-01-01T00:00:00.000Z"},
    )
    assert scheduled.status_code == 201

    refused = cc_api.put(
        f"/emails/activities/{primary}", json=activity_update([list_id])
    )
    assert refused.status_code == 400


def test_delete_is_refused_while_scheduled(cc_api):
    campaign, primary = create_campaign(cc_api)
    list_id = create_list(cc_api)
    cc_api.put(f"/emails/activities/{primary}", json=activity_update([list_id]))
    cc_api.post(
        f"/emails/activities/{primary}/schedules",
        json={"scheduled_date": "2999-01-01"},
    )

    assert cc_api.delete(f"/emails/{campaign['campaign_id']}").status_code == 400


def test_put_is_allowed_on_a_done_activity(cc_api):
    _, primary = create_campaign(cc_api)
    list_id = create_list(cc_api)
    cc_api.put(f"/emails/activities/{primary}", json=activity_update([list_id]))
    schedule_now(cc_api, primary)
    assert (
        cc_api.get(f"/emails/activities/{primary}").json()["current_status"] == "DONE"
    )

    again = cc_api.put(f"/emails/activities/{primary}", json=activity_update([list_id]))
    assert again.status_code == 200


def test_fresh_account_holds_campaigns_in_every_status(cc_api):
    statuses = {
        c["name"]: c["current_status"] for c in cc_api.pages("/emails", "campaigns")
    }

    assert statuses["Loyalty Program Draft"] == "Draft"
    assert statuses["Summer Cold Brew Preview"] == "Scheduled"
    assert statuses["Spring Roast Launch"] == "Done"
    assert statuses["Holiday Gift Guide (link error)"] == "Error"
