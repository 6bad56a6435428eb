"""The bulk-activity worker: an activity that cannot be processed fails cleanly.

The worker takes the oldest queued activity each step. One whose step raises must
end `failed` with an activity error instead of being retried every 50 ms forever
at the head of the queue, where it would hold back every activity behind it (and a
restarted sandbox would meet it again). The failure is forced in-process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pocc.sandbox.constantcontact import (
    activities_queue,
    activities_worker,
    activity_work,
)
from pocc.sandbox.constantcontact.activities_queue import ACTIVITY_KIND
from tests.sandbox.constantcontact.in_process import seeded_service


def test_an_activity_whose_step_raises_fails_and_the_queue_moves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = seeded_service(tmp_path)
    service.context.settings["constantcontact"]["activity_step_seconds"] = 0
    worker = activities_worker.ActivityWorker(service)
    broken = activities_queue.enqueue(service, "list_delete", {"list_ids": ["a"]})
    healthy = activities_queue.enqueue(service, "list_delete", {"list_ids": ["b"]})
    process = activity_work.process

    def fail_for_the_first(service_, work, activity, chunk, position):
        if activity["activity_id"] == broken["activity_id"]:
            raise RuntimeError("a bug in the sandbox")

        return process(service_, work, activity, chunk, position)

    monkeypatch.setattr(activity_work, "process", fail_for_the_first)

    for _ in range(4):
        worker.step()

    first = service.store.get(ACTIVITY_KIND, broken["activity_id"])
    second = service.store.get(ACTIVITY_KIND, healthy["activity_id"])

    assert first["state"] == "failed"
    assert first["activity_errors"]
    assert first["completed_at"]
    assert second["state"] in ("completed", "failed")
    assert second["percent_done"] == 100
    assert activities_queue.queued_count(service) == 0
