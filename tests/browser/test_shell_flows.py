"""What CRM users click, clicked in a real browser: the D365 shell with pocc's solution.

The tests run in file order on one organisation, as an administrator and a marketer
would work: Setup and Authenticate, Synchronize, Send, then reading statistics and
duplicates; last, someone without the PowerConstantContact User role is refused.
Each checks what the person sees, and what D365 (Dataverse) holds afterwards.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from pocc.demo.stack import DemoStack
from pocc.jobs.job_row import JobStatus
from pocc.jobs.kinds.campaign_records import STATUS_VALUES
from pocc.sandbox.seed import SeededOrganization
from tests.browser.conftest import Shell, admin_rows

pytestmark = pytest.mark.slow

# The status names the ribbon's notifications end with (webresources common.js).
SEND_SUCCEEDED = re.compile(r"Send (succeeded|partly succeeded)")
JOB_WAIT_MS = 120_000


def _outcome(page: Any, success: Any, timeout: int = JOB_WAIT_MS) -> None:
    """Waits for `success`, failing at once with the text of an error dialog."""
    error = page.locator("[data-testid='error']")
    success.or_(error).first.wait_for(timeout=timeout)

    if error.count():
        pytest.fail(f"the shell showed an error: {error.inner_text()}")


def _setup_frame(shell: Shell) -> Any:
    return shell.page.frame_locator("#shell-webresource")


def test_setup_saves_and_authenticates_through_the_consent_page(
    stack: DemoStack, seeded: SeededOrganization, shell: Any
) -> None:
    administrator = shell("administrator")
    administrator.open(pagetype="webresource", webresourceName="pocc_/pages/setup.html")
    setup = _setup_frame(administrator)
    application = stack.config["constantcontact"]

    setup.locator("#pocc-target").fill(stack.public_url)
    setup.locator("#pocc-client-id").fill(application["client_id"])
    setup.locator("#pocc-client-secret").fill(application["client_secret"])
    setup.locator("#pocc-time-zone").select_option("Eastern Standard Time")
    setup.locator("#pocc-save").click()

    status = setup.locator("#pocc-status")
    status.filter(has_text="Saved").wait_for()
    administrator.screenshot("setup-saved")
    assert setup.locator("#pocc-client-secret").input_value() == ""

    with administrator.page.expect_popup() as opened:
        setup.locator("#pocc-authenticate").click()

    consent = opened.value
    consent.wait_for_load_state()
    assert "/constantcontact/" in consent.url
    consent.locator("input[name='username']").fill(application["username"])
    consent.locator("input[name='password']").fill(application["password"])
    consent.locator("button[name='allow']").click()
    consent.get_by_text("Constant Contact is connected").wait_for()
    consent.close()

    status.filter(has_text="Connected to Constant Contact account").wait_for(
        timeout=JOB_WAIT_MS
    )
    assert "Connected to" in setup.locator("#pocc-connection").inner_text()
    administrator.screenshot("setup-connected")

    rows = admin_rows(
        stack,
        "pocc_configurations",
        "$select=pocc_targetservice,pocc_ccclientid,pocc_timezone,pocc_ccaccountname",
    )
    assert rows[0]["pocc_targetservice"] == stack.public_url
    assert rows[0]["pocc_timezone"] == "Eastern Standard Time"
    assert rows[0]["pocc_ccaccountname"]


def test_synchronize_imports_the_campaigns_into_the_list(
    stack: DemoStack, connected: None, shell: Any
) -> None:
    marketer = shell("marketer")
    marketer.open(pagetype="entitylist", etn="pocc_campaign")
    marketer.page.locator("#shell-commandbar[data-ready='true']").wait_for()

    marketer.page.get_by_role("button", name="Synchronize", exact=True).click()

    notifications = marketer.page.locator("#shell-notifications")
    _outcome(marketer.page, notifications.get_by_text("Synchronize succeeded."))
    rows = marketer.page.locator(".shell-grid tbody tr[data-id]")
    rows.first.wait_for()
    marketer.screenshot("campaigns-after-synchronize")

    imported = admin_rows(stack, "pocc_campaigns", "$select=pocc_name,pocc_ccid")
    assert imported
    assert rows.count() == min(len(imported), 50)


def test_send_creates_a_job_that_reaches_succeeded(
    stack: DemoStack, seeded: SeededOrganization, shell: Any
) -> None:
    drafts = admin_rows(
        stack,
        "pocc_campaigns",
        "$select=pocc_name,pocc_primaryactivityid"
        f"&$filter=pocc_campaignstatus eq {STATUS_VALUES['draft']}",
    )
    draft = next(row for row in drafts if row.get("pocc_primaryactivityid"))
    marketer = shell("marketer")
    marketer.open(
        pagetype="entityrecord", etn="pocc_campaign", id=draft["pocc_campaignid"]
    )
    page = marketer.page
    page.locator("#shell-commandbar[data-ready='true']").wait_for()
    send = page.get_by_role("button", name="Send", exact=True)
    assert send.is_disabled()

    source = page.locator("select[name='pocc_sourcecampaignid']")
    source.focus()
    page.locator(
        "select[name='pocc_sourcecampaignid'] option",
        has_text=seeded.marketing.campaign_name,
    ).wait_for(state="attached")
    source.select_option(label=seeded.marketing.campaign_name)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#shell-commandbar button:not([disabled])", has_text="Send").wait_for()

    send.click()
    dialog = page.locator("[data-testid='confirm']")
    assert seeded.marketing.campaign_name in dialog.inner_text()
    dialog.get_by_role("button", name="Send").click()

    notice = page.locator("#shell-notifications .shell-notification-text")
    _outcome(page, notice.filter(has_text=SEND_SUCCEEDED))
    page.locator("[data-control='Jobs'] tbody tr[data-id]").first.wait_for()
    marketer.screenshot("campaign-sent")

    jobs = admin_rows(
        stack,
        "pocc_jobs",
        f"$select=pocc_jobstatus,pocc_sent&$filter=_pocc_campaignid_value eq "
        f"{draft['pocc_campaignid']}",
    )
    assert [job["pocc_jobstatus"] for job in jobs] in (
        [JobStatus.SUCCEEDED],
        [JobStatus.PARTLY_SUCCEEDED],
    )
    assert jobs[0]["pocc_sent"] > 0


def test_statistics_page_shows_the_numbers_and_a_chart(
    stack: DemoStack, synchronized: None, shell: Any
) -> None:
    sent = admin_rows(
        stack,
        "pocc_campaigns",
        "$select=pocc_name,pocc_sends&$filter=pocc_sends gt 0&$orderby=pocc_sends desc",
    )
    campaign = sent[0]
    marketer = shell("marketer")
    marketer.open(
        pagetype="entityrecord", etn="pocc_campaign", id=campaign["pocc_campaignid"]
    )
    statistics = marketer.page.frame_locator(
        "iframe[data-control='WebResource_statistics']"
    )

    figures = statistics.locator("#pocc-figures")
    figures.get_by_text("Sends").wait_for()
    assert f"{campaign['pocc_sends']:,}" in figures.inner_text()
    assert statistics.locator("#pocc-chart svg rect").count() >= 5
    marketer.page.locator(
        "iframe[data-control='WebResource_statistics']"
    ).scroll_into_view_if_needed()
    marketer.screenshot("campaign-statistics")


def test_duplicates_page_lists_the_seeded_duplicates(
    stack: DemoStack, seeded: SeededOrganization, shell: Any
) -> None:
    shared = {
        record.email.strip().lower()
        for record in seeded.population.all()
        if "shared_across_tables" in record.cases and record.email
    }
    marketer = shell("marketer")
    marketer.open(pagetype="entitylist", etn="pocc_emailduplicate")
    marketer.page.locator("#shell-commandbar[data-ready='true']").wait_for()
    marketer.page.get_by_role("button", name="Find duplicates", exact=True).click()
    _outcome(
        marketer.page,
        marketer.page.locator("#shell-notifications").get_by_text(
            "Find duplicates succeeded."
        ),
    )

    marketer.open(pagetype="webresource", webresourceName="pocc_/pages/duplicates.html")
    page = marketer.page.frame_locator("#shell-webresource")
    page.locator("tbody tr").first.wait_for()
    listed = page.locator("body").inner_text().lower()
    marketer.screenshot("duplicates")

    assert shared
    assert all(address in listed for address in shared)


def test_a_list_refuses_a_user_without_the_user_role_with_a_clear_message(
    stack: DemoStack, shell: Any
) -> None:
    salesperson = shell("salesperson")
    salesperson.open(pagetype="entitylist", etn="pocc_campaign")

    refusal = salesperson.page.locator(".shell-refusal")
    refusal.wait_for()
    salesperson.screenshot("list-refused-without-user-role")

    assert "You do not have permission to view" in refusal.inner_text()
    assert "prvReadpocc_Campaign" in refusal.inner_text()


def test_synchronize_refuses_a_user_without_the_user_role_with_a_clear_message(
    stack: DemoStack, connected: None, shell: Any
) -> None:
    salesperson = shell("salesperson")
    salesperson.open(pagetype="entitylist", etn="pocc_campaign")
    page = salesperson.page
    page.locator("#shell-commandbar[data-ready='true']").wait_for()

    page.get_by_role("button", name="Synchronize", exact=True).click()

    notice = page.locator("#shell-notifications .shell-notification-text").first
    _outcome(page, notice)
    salesperson.screenshot("synchronize-refused-without-user-role")

    assert "You are not allowed to" in notice.inner_text()
    assert "PowerConstantContact User security role" in notice.inner_text()
    person = admin_rows(
        stack, "systemusers", "$select=fullname&$filter=fullname eq 'Sam Okafor'"
    )
    owned = f"$select=pocc_name&$filter=_ownerid_value eq {person[0]['systemuserid']}"
    assert admin_rows(stack, "pocc_jobs", owned) == []
