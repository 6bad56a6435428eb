"""Runs queued bulk activities in the background, a step at a time.

Each step takes the oldest queued activity: the first step prepares its items (an
import's rows, the contacts a membership change touches, the lists to delete) and
moves it to `processing`; each step handles up to `activity_items_per_step` items,
updating `percent_done` and the counts; the last one marks it `completed` (or
`failed` when no item succeeded and there were errors). Steps are
`activity_step_seconds` apart, and `activities_paused` holds everything in place.
Progress is stored after every step, so a restarted sandbox carries on.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from . import activities_queue, activity_work
from .activities_queue import ACTIVITY_KIND, WORK_KIND
from .service import ConstantContactService
from .timestamps import iso

logger = logging.getLogger(__name__)


class ActivityWorker:
    def __init__(self, service: ConstantContactService) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._last_step = 0.0

    def step(self) -> None:
        settings = self._service.settings

        if settings["activities_paused"]:
            return

        if time.monotonic() - self._last_step < settings["activity_step_seconds"]:
            return

        # One step at a time even when an admin call runs the loop concurrently.
        if not self._lock.acquire(blocking=False):
            return

        try:
            queued = activities_queue.next_queued(self._service)

            if queued is not None:
                self._advance_or_fail(*queued)
                self._last_step = time.monotonic()
        finally:
            self._lock.release()

    def _advance_or_fail(self, activity_id: str, position: int) -> None:
        """One step; a step that raises fails its activity rather than being
        retried forever at the head of the queue, holding back the rest."""
        try:
            self._advance(activity_id, position)
        except Exception:
            logger.exception("Constant Contact activity %s broke", activity_id)
            self._fail(activity_id)

    def _fail(self, activity_id: str) -> None:
        service = self._service
        now = iso(service.now())

        with service.store.transaction():
            activity = service.store.get(ACTIVITY_KIND, activity_id)

            if activity is not None:
                activity["state"] = "failed"
                activity["activity_errors"].append(
                    "The activity could not be processed."
                )
                activity["updated_at"] = activity["completed_at"] = now
                service.store.replace(ACTIVITY_KIND, activity_id, activity)

            activities_queue.finish(service, activity_id)

    def _advance(self, activity_id: str, position: int) -> None:
        service = self._service
        activity = service.store.get(ACTIVITY_KIND, activity_id)
        work = service.store.get(WORK_KIND, activity_id)

        if activity is None or work is None:
            activities_queue.finish(service, activity_id)
            return

        now = iso(service.now())

        with service.store.transaction():
            if work["items"] is None:
                work["items"] = activity_work.prepare(service, work, activity)
                activity["status"]["items_total_count"] = len(work["items"])
                activity["state"] = "processing"
                activity["started_at"] = now
                service.store.replace(WORK_KIND, activity_id, work)

            size = max(1, int(service.settings["activity_items_per_step"]))
            chunk = work["items"][position : position + size]
            activity_work.process(service, work, activity, chunk, position)
            position += len(chunk)
            self._record_progress(activity, position, len(work["items"]), now)
            service.store.replace(ACTIVITY_KIND, activity_id, activity)

            if activity["state"] in ("completed", "failed"):
                activities_queue.finish(service, activity_id)
                logger.info(
                    "Constant Contact activity %s (%s) %s",
                    activity_id,
                    work["type"],
                    activity["state"],
                )
            else:
                activities_queue.set_position(service, activity_id, position)

    @staticmethod
    def _record_progress(
        activity: dict[str, Any], position: int, total: int, now: str
    ) -> None:
        status = activity["status"]
        status["items_completed_count"] = min(position, total)
        activity["percent_done"] = 100 if total == 0 else position * 100 // total
        activity["updated_at"] = now

        if position < total:
            return

        # Imports count refused rows; other kinds report one message per failed item.
        errors = status.get("error_count", len(activity["activity_errors"]))
        succeeded = total - errors
        activity["state"] = (
            "failed" if total and errors and succeeded <= 0 else "completed"
        )
        activity["completed_at"] = now


def install(service: ConstantContactService) -> ActivityWorker:
    activities_queue.ensure_tables(service)
    worker = ActivityWorker(service)
    service.background.register("activities", worker.step)
    return worker
