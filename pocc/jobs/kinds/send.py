"""Send: a `pocc_campaign` to the members of its source D365 campaign's lists.

Steps, each checkpointed so that a crash at any point resumes without importing or
scheduling anything twice:

1. check the campaign (linked, synchronized, schedulable) and its lists;
2. read every member once, sort each into a bucket or the winners (`pocc.send.plan`);
3. create the Constant Contact list for this send (one per job, found by name again
   if its creation's answer was lost);
4. import the winners in chunks (`pocc.send.imports`), record who won each address
   (`pocc_sendrecipient`) and count each accepted or refused contact
   (`pocc.send.buckets`);
5. put the list on the campaign's primary activity and schedule it, now or at the
   job's `pocc_scheduledsendon`, once (`pocc.send.scheduling`);
6. record the send history and the campaign's status in Dynamics 365.

A resumed job that had finished importing goes straight to step 5 with the counts
saved on the job; one that stopped mid-import (its list made) reads the lists again
(the winners and their order come out the same), keeps the finished chunks' counts
and lets the interrupted chunk wait for the imports it had started, including one
whose id the crash kept from the checkpoint.

`reached(job, point)` marks the boundaries a crash is most likely to hurt: "read",
"import started" (an import posted, its id not yet saved), "import recorded",
"before scheduling" and "scheduled" (before its checkpoint).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from pocc.errors import DuplicateKeyError
from pocc.jobs.job_row import JobKindValue, format_time, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.jobs.kinds.campaign_records import (
    last_sent,
    status_value,
    write_campaign,
    write_send_history,
)
from pocc.send import buckets, imports, scheduling
from pocc.send.buckets import REFUSED, Member
from pocc.send.mapping import read_field_map
from pocc.send.plan import SendPlan, read_plan
from pocc.send.target import SendTarget, read_target, sendable_lists

logger = logging.getLogger(__name__)


@register(JobKindValue.SEND)
class Send(JobKind):
    writes_to_constant_contact = True
    chunk_size = imports.CHUNK_SIZE
    page_size = 5000

    def run(self, job: JobContext) -> Outcome:
        target = read_target(job.dataverse, job.row.get("_pocc_campaignid_value"))
        state = job.checkpoint

        if not state.get("imported"):
            state = self._read_and_import(job, target, state)

            if state.get("nothing_to_send"):
                return Outcome.failed(state["nothing_to_send"])

        job.stop_if_cancelled()
        self.reached(job, "before scheduling")

        if not state.get("scheduled"):
            state = self._schedule(job, target, state)

        if not state.get("recorded"):
            state = self._record(job, target, state)

        return self._outcome(job, target, state)

    def reached(self, job: JobContext, point: str) -> None:
        """A step boundary (logged for operators; tests stop a worker here)."""
        logger.debug("send job %s reached: %s", job.job_id, point)

    # Steps 1 to 4

    def _read_and_import(
        self, job: JobContext, target: SendTarget, state: dict[str, Any]
    ) -> dict[str, Any]:
        client = job.constant_contact
        activity = client.campaign_activity(target.activity_id)
        scheduling.check_schedulable(activity, target.name)
        lists, inactive = sendable_lists(job.dataverse, target)

        for item in inactive:
            job.log(f"Left out the inactive marketing list {item.name}.")

        field_map = read_field_map(job.dataverse, client)
        plan = read_plan(
            job.dataverse, lists, field_map, job.stop_if_cancelled, self.page_size
        )

        try:
            buckets.count_plan(
                job, plan, f"members of {len(lists)} marketing lists", "send"
            )
            self.reached(job, "read")

            if not len(plan.winners):
                return {
                    **state,
                    "nothing_to_send": f"None of the {plan.members} members of the "
                    f"marketing lists of {target.name} can be emailed; the job's "
                    "counts say why.",
                }

            job.stop_if_cancelled()
            # Imports start only once the list is checkpointed: with it, a previous
            # run may have started one whose id the crash kept from the checkpoint.
            resuming = bool(state.get("list_id"))
            state = self._ensure_list(job, target, state)
            return self._import_all(job, target, plan, state, resuming)
        finally:
            plan.close()

    def _ensure_list(
        self, job: JobContext, target: SendTarget, state: dict[str, Any]
    ) -> dict[str, Any]:
        if state.get("list_id"):
            return state

        client = job.constant_contact
        name = target.list_name(job.job_id)
        description = f"Recipients of {target.name}, sent from Dynamics 365 by pocc."

        try:
            created = client.create_contact_list(
                {"name": name, "description": description}
            )
            list_id = created["list_id"]
        except DuplicateKeyError:
            # A crash lost the answer of our own creation: the name is this job's.
            found = client.find_contact_list(name)

            if found is None:
                raise
            list_id = found["list_id"]

        marker = imports.newest_activity_id(client)
        state = {**state, "list_id": list_id, "marker": marker, "chunks": [], "done": 0}
        job.save_checkpoint(state)
        job.log(f"Created the Constant Contact list {name}.")
        return state

    def _import_all(
        self,
        job: JobContext,
        target: SendTarget,
        plan: SendPlan,
        state: dict[str, Any],
        resuming: bool,
    ) -> dict[str, Any]:
        client = job.constant_contact
        done = int(state.get("done") or 0)
        winners = plan.recipients()
        finished = [
            next(winners) for _ in range(min(done * self.chunk_size, len(plan.winners)))
        ]
        buckets.count_finished(job, len(finished), state.get("tally") or {})
        in_list: set[str] = set()

        for number, members in enumerate(
            imports.chunks(winners, self.chunk_size), start=done
        ):
            job.stop_if_cancelled()

            if resuming and number > done and not in_list:
                # Lists read again after a crash may have moved members between
                # chunks; whoever is on the send's list already is not imported again.
                in_list = imports.list_addresses(client, state["list_id"])

            adopt = resuming and number == done
            state = self._import_chunk(
                job, target, plan, state, members, in_list, adopt
            )

        state = {**state, "imported": True}
        job.save_checkpoint(state)
        return state

    def _import_chunk(
        self,
        job: JobContext,
        target: SendTarget,
        plan: SendPlan,
        state: dict[str, Any],
        members: list[Member],
        in_list: set[str],
        adopt: bool,
    ) -> dict[str, Any]:
        client = job.constant_contact
        number = int(state.get("done") or 0)
        chunks: list[list[str]] = [list(ids) for ids in state.get("chunks") or []]
        chunks += [[] for _ in range(number + 1 - len(chunks))]

        if in_list:
            already = [item for item in members if item[0] in in_list]
            members = [item for item in members if item[0] not in in_list]
            buckets.accept(job, target.activity_id, already)

        if adopt:
            recorded = [activity for ids in chunks for activity in ids]
            lost = imports.unrecorded_imports(client, state["marker"], recorded)

            if lost:
                logger.info("send job %s found lost imports %s", job.job_id, lost)
                chunks[number] += lost
                job.save_checkpoint({**state, "chunks": chunks})

        known = list(chunks[number])

        def started(activity_id: str) -> None:
            self.reached(job, "import started")
            chunks[number].append(activity_id)
            job.save_checkpoint({**state, "chunks": chunks})
            self.reached(job, "import recorded")

        rows = [plan.row(candidate) for _, candidate in members]
        report = imports.import_chunk(client, rows, state["list_id"], known, started)
        counts = buckets.count_chunk(
            job, target.activity_id, state["list_id"], members, report
        )
        tally = Counter(state.get("tally") or {})
        tally.update(counts)
        state = {**state, "chunks": chunks, "done": number + 1, "tally": dict(tally)}
        job.save_checkpoint(state)
        job.log(
            f"Import {number + 1}: {counts['sent']:,} contacts accepted by Constant "
            f"Contact, {counts['refused']:,} refused, {counts['failed']:,} failed."
        )
        return state

    # Steps 5 and 6

    def _schedule(
        self, job: JobContext, target: SendTarget, state: dict[str, Any]
    ) -> dict[str, Any]:
        client = job.constant_contact
        activity_id = target.activity_id
        scheduling.set_send_list(client, activity_id, state["list_id"])

        if state.get("scheduling") and scheduling.already_scheduled(
            client, activity_id, int(state.get("sends_before") or 0)
        ):
            # The schedule took effect but the crash kept it from the checkpoint;
            # what was asked for (saved just before) is what Constant Contact holds.
            job.log("The campaign was already scheduled before the restart.")
            state = {**state, "scheduled": True}
            job.save_checkpoint(state)
            return state

        job.stop_if_cancelled()
        when = _scheduled_date(job.row.get("pocc_scheduledsendon"))
        state = {
            **state,
            "scheduling": True,
            "sends_before": scheduling.send_count(client, activity_id),
            "scheduled_for": when or "now",
        }
        job.save_checkpoint(state)
        scheduling.schedule(client, activity_id, when)
        self.reached(job, "scheduled")
        state = {**state, "scheduled": True}
        job.save_checkpoint(state)
        job.log(
            f"Scheduled {target.name} for {when}."
            if when
            else f"Sent {target.name} now."
        )
        return state

    def _record(
        self, job: JobContext, target: SendTarget, state: dict[str, Any]
    ) -> dict[str, Any]:
        client = job.constant_contact
        history = client.send_history(target.activity_id) or []
        written = write_send_history(job.dataverse, target.row_id, history)
        campaign = client.email_campaign(target.cc_id)
        changes: dict[str, Any] = {
            "pocc_campaignstatus": status_value(campaign.get("current_status")),
            "pocc_lastsynchronizedon": format_time(utc_now()),
        }

        if history:
            changes["pocc_lastsenton"] = last_sent(history)

        write_campaign(job.dataverse, target.row, "", changes)
        logger.info("send job %s: %s send history rows written", job.job_id, written)
        state = {**state, "recorded": True}
        job.save_checkpoint(state)
        return state

    def _outcome(
        self, job: JobContext, target: SendTarget, state: dict[str, Any]
    ) -> Outcome:
        progress = job.progress
        sent = progress.count("pocc_sent")
        refused = progress.skipped(REFUSED)
        failed = progress.count("pocc_failed")
        skipped = progress.count("pocc_skipped")
        when = state.get("scheduled_for") or "now"
        summary = (
            f"{target.name} {'sent' if when == 'now' else 'scheduled for ' + when} to "
            f"{sent:,} contacts; {skipped:,} members skipped, {failed:,} failed"
        )

        if refused or failed:
            return Outcome.partly_succeeded(
                summary,
                f"Constant Contact refused {refused:,} contacts and {failed:,} failed "
                "to import; the log names them and says why.",
            )

        return Outcome.succeeded(summary)


def _scheduled_date(value: str | None) -> str | None:
    """The job's send time for Constant Contact, or None to send now (also when the
    time has passed: Constant Contact refuses a date in the past)."""
    if not value:
        return None

    if value <= format_time(utc_now()):
        return None

    return value.replace("Z", ".000Z")
