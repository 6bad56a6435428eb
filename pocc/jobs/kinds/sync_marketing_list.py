"""Sync marketing list: mirror one D365 marketing list into a Constant Contact list.

Steps (the job runs under the writer lease: it writes contacts):

1. read the marketing list the job names (`pocc.listsync.target`) and check the
   custom field mappings, creating missing fields in Constant Contact;
2. find, create or rename the Constant Contact list named after it, and keep its id
   on the marketing list (`pocc.listsync.cc_list`);
3. read every member once, as Send does (`pocc.send.plan`): each ends skipped for a
   reason, or as the record that wins its address;
4. import the winners in chunks of 40,000 into the list. An import updates the
   details of contacts already on it and adds the new ones; each member is counted
   as added (sent), already on the list (processed), refused or failed. A custom
   field value Constant Contact ignores is a failure with its reason, never lost
   in silence;
5. take off the list every contact whose address no member holds any longer (only
   off this list: leaving is not an opt-out).

Imports and removals give the same result when repeated, so a resumed job skips the
chunks its checkpoint counts as finished and does the rest again.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from pocc.constantcontact import ImportReport, Status, import_contacts
from pocc.constantcontact.bulk_import import Poller
from pocc.jobs.job_row import JobKindValue
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.listsync.cc_list import ensure_cc_list
from pocc.listsync.membership import list_members, remove_members
from pocc.listsync.target import SyncTarget, read_target
from pocc.send import addresses, buckets, imports
from pocc.send.dedupe import Candidate
from pocc.send.mapping import read_field_map
from pocc.send.plan import SAMPLE_SIZE, SendPlan, read_plan

logger = logging.getLogger(__name__)

REFUSED = "refused"
UNSUBSCRIBED = "unsubscribed in Constant Contact, so not added to the list"
TALLY_KEYS = ("added", "unchanged", "refused", "failed", "cut")


@register(JobKindValue.SYNC_MARKETING_LIST)
class SyncMarketingList(JobKind):
    writes_to_constant_contact = True
    chunk_size = imports.CHUNK_SIZE
    page_size = 5000
    poller: Poller | None = None

    def run(self, job: JobContext) -> Outcome:
        target = read_target(job.dataverse, job.row.get("_pocc_marketinglistid_value"))
        client = job.constant_contact
        field_map = read_field_map(job.dataverse, client)
        change = ensure_cc_list(client, job.dataverse, target)

        if change.note:
            job.log(change.note)

        state = job.checkpoint

        if state.get("list_id") != change.list_id:
            state = {"list_id": change.list_id}
            job.save_checkpoint(state)

        job.stop_if_cancelled()
        plan = read_plan(
            job.dataverse,
            [target.marketing_list],
            field_map,
            job.stop_if_cancelled,
            self.page_size,
        )

        try:
            buckets.count_plan(job, plan, "members", "mirror")
            state = self._import_all(job, plan, state)
            removed = self._remove_leavers(job, plan, change.list_id)
        finally:
            plan.close()

        return self._outcome(target, state, removed, job)

    # Importing

    def _import_all(
        self, job: JobContext, plan: SendPlan, state: dict[str, Any]
    ) -> dict[str, Any]:
        client = job.constant_contact
        list_id = state["list_id"]
        finished = int(state.get("chunks_done") or 0)
        tally: Counter[str] = Counter(state.get("tally") or {})
        self._count_tally(job, tally)
        before = {
            _normalized(address): contact_id
            for address, contact_id in list_members(client, list_id).items()
        }

        for number, members in enumerate(
            imports.chunks(plan.recipients(), self.chunk_size)
        ):
            if number < finished:
                continue

            job.stop_if_cancelled()
            rows = [plan.row(candidate) for _, candidate in members]
            report = import_contacts(
                client, rows, [list_id], may_cut=("*",), poller=self.poller
            )
            counts = self._count_chunk(job, list_id, members, report, before)
            tally.update(counts)
            state = {**state, "chunks_done": number + 1, "tally": dict(tally)}
            job.save_checkpoint(state)
            job.log(
                f"Import {number + 1}: {counts['added']:,} added, "
                f"{counts['unchanged']:,} already on the list, "
                f"{counts['refused']:,} refused, {counts['failed']:,} failed."
            )

        if tally["cut"]:
            job.log(
                f"{tally['cut']:,} contacts had a value cut to Constant Contact's "
                "length limits (custom fields hold 255 characters)."
            )

        return state

    def _count_tally(self, job: JobContext, tally: Counter[str]) -> None:
        """Counts the chunks a previous run finished, as it saved them."""
        progress = job.progress

        if tally["added"]:
            progress.sent(tally["added"])

        if tally["unchanged"]:
            progress.done(tally["unchanged"])

        if tally["refused"]:
            progress.skip(REFUSED, tally["refused"])

        if tally["failed"]:
            progress.failed(tally["failed"])

    def _count_chunk(
        self,
        job: JobContext,
        list_id: str,
        members: list[tuple[str, Candidate]],
        report: ImportReport,
        before: dict[str, str],
    ) -> Counter[str]:
        client = job.constant_contact
        not_added = imports.not_added_to_list(report)
        on_list = imports.list_addresses(client, list_id) if not_added else None
        counts: Counter[str] = Counter(dict.fromkeys(TALLY_KEYS, 0))
        problems: list[str] = []

        for (address, candidate), outcome in zip(members, report.outcomes, strict=True):
            counts["cut"] += bool(outcome.truncated)
            bucket, why = _bucket(address, outcome, on_list, before)
            counts[bucket] += 1

            if bucket == "failed":
                job.progress.failed()
            elif bucket == REFUSED:
                job.progress.skip(REFUSED)
            elif bucket == "added":
                job.progress.sent()
            else:
                job.progress.done()

            if why:
                problems.append(f"{candidate.table} {candidate.record_id} ({why})")

        _log_problems(job, problems)
        return counts

    # Removing

    def _remove_leavers(self, job: JobContext, plan: SendPlan, list_id: str) -> int:
        client = job.constant_contact
        job.stop_if_cancelled()
        leavers = [
            contact_id
            for address, contact_id in list_members(client, list_id).items()
            if plan.winners.winner(_normalized(address)) is None
        ]

        if not leavers:
            return 0

        removed = remove_members(
            client, list_id, leavers, job.stop_if_cancelled, self.poller
        )
        job.log(
            f"Removed {removed:,} contacts who left the marketing list from the "
            "Constant Contact list (they stay subscribed)."
        )
        return removed

    # Ending

    def _outcome(
        self,
        target: SyncTarget,
        state: dict[str, Any],
        removed: int,
        job: JobContext,
    ) -> Outcome:
        tally = Counter(state.get("tally") or {})
        skipped = job.progress.count("pocc_skipped")
        summary = (
            f"{target.name} synced: {tally['added']:,} added, "
            f"{tally['unchanged']:,} already on the list, {removed:,} removed; "
            f"{skipped:,} members skipped, {tally['failed']:,} failed"
        )

        if tally["refused"] or tally["failed"]:
            return Outcome.partly_succeeded(
                summary,
                f"Constant Contact refused {tally['refused']:,} members and "
                f"{tally['failed']:,} failed or lost a value; the log names them "
                "and says why.",
            )

        return Outcome.succeeded(summary)


def _bucket(
    address: str,
    outcome: Any,
    on_list: set[str] | None,
    before: dict[str, str],
) -> tuple[str, str]:
    """(bucket, why) for one imported member."""
    why = "; ".join(outcome.errors)

    if outcome.status is Status.REFUSED:
        return REFUSED, why

    if outcome.status is not Status.IMPORTED:
        # FAILED, or REPORTED: the import ran but said something about this row,
        # such as a custom field value it did not keep.
        return "failed", why or "the import reported a problem"

    if on_list is not None and address not in on_list:
        return REFUSED, UNSUBSCRIBED

    return ("unchanged" if address in before else "added"), ""


def _normalized(address: str) -> str:
    normalized = addresses.normalize(address)
    return normalized.value if normalized.ok else address.strip().lower()


def _log_problems(job: JobContext, problems: list[str]) -> None:
    if not problems:
        return

    more = len(problems) - SAMPLE_SIZE
    job.log(
        "Not mirrored as asked: "
        + "; ".join(problems[:SAMPLE_SIZE])
        + (f"; and {more:,} more." if more > 0 else ".")
    )
