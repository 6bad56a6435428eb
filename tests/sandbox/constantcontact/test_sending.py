"""Sending a scheduled activity is one transaction: a crash leaves all of it or none.

A send writes the links, one `em_sends` event per recipient, the simulated engagement,
the send history and the activity's new status. Were those separate commits, a sandbox
killed between them would restart with sends recorded but the activity still
scheduled (sent again to nobody, with reason 12) or with sends and no engagement ever.
The failure is forced in-process here, where it can land at an exact point; a killed
process rolls back the same open SQLite transaction.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from pocc.sandbox.constantcontact import sending
from tests.sandbox.constantcontact.in_process import seeded_service


class SimulatedCrashError(Exception):
    pass


@pytest.fixture
def desk(tmp_path: Path) -> sending.CampaignDesk:
    return sending.desk_of(seeded_service(tmp_path))


def test_a_send_cut_off_halfway_leaves_no_trace_and_later_goes_out_whole(
    desk: sending.CampaignDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = desk.service.now() + timedelta(days=7)
    due = desk.campaigns.due_activities(later)
    assert len(due) == 1, "the fresh account schedules one campaign ahead"
    activity_id = due[0]
    add_events = desk.tracking.add_events
    calls: list[str] = []

    def crash_before_engagement(*arguments, **keywords):
        calls.append(activity_id)

        if len(calls) == 2:
            raise SimulatedCrashError("the sandbox died after writing the sends")

        return add_events(*arguments, **keywords)

    monkeypatch.setattr(desk.tracking, "add_events", crash_before_engagement)

    with pytest.raises(SimulatedCrashError):
        desk.catch_up(later)

    assert desk.tracking.contacts_sent(activity_id) == set()
    assert desk.tracking.links(activity_id) == []
    assert desk.campaigns.due_activities(later) == [activity_id]
    assert desk.campaigns.activity(activity_id)["current_status"] == "SCHEDULED"

    monkeypatch.undo()
    desk.catch_up(later)
    activity = desk.campaigns.activity(activity_id)
    history = activity["sandbox"]["send_history"]

    assert activity["current_status"] == "DONE"
    assert [entry["send_id"] for entry in history] == [1]
    assert history[0]["reason_code"] == sending.REASON_SENT
    assert history[0]["count"] == len(desk.tracking.contacts_sent(activity_id)) > 0
