"""A send's buckets: every member read ends in exactly one, and the log says why.

The read counts its skips (`count_plan`); each import's outcomes count its contacts
as sent, refused (with Constant Contact's reason) or failed (`count_chunk`); a
resumed send counts the chunks a previous run finished from the tally it saved
(`count_finished`), since their outcomes are gone with that run. Accepted contacts
are recorded as the send's recipients as they are counted.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence

from pocc.constantcontact import ImportReport, Status
from pocc.jobs.context import JobContext
from pocc.send import imports
from pocc.send.dedupe import Candidate
from pocc.send.plan import SAMPLE_SIZE, SendPlan
from pocc.send.recipients import Recipient, write_recipients

logger = logging.getLogger(__name__)

REFUSED = "refused"
UNSUBSCRIBED = "unsubscribed in Constant Contact, so not added to the send's list"

# (normalised address, the record that won it), as the plan hands them out.
Member = tuple[str, Candidate]


def count_plan(job: JobContext, plan: SendPlan, read: str, purpose: str) -> None:
    """Starts the counts afresh from what the read found, and logs the skips.

    The log says "Read {members} {read}: {winners} to {purpose}, {skipped} skipped".
    """
    progress = job.progress
    progress.reset()
    progress.set_total(plan.members)

    for reason, count in plan.skips.items():
        progress.skip(reason, count)

    skipped = sum(plan.skips.values())
    job.log(
        f"Read {plan.members:,} {read}: {len(plan.winners):,} to {purpose}, "
        f"{skipped:,} skipped" + (f" ({_reasons(plan.skips)})." if skipped else ".")
    )

    for reason, sample in plan.samples.items():
        listed = "; ".join(
            f"{item.table} {item.record_id} ({item.detail})" for item in sample
        )
        more = plan.skips[reason] - len(sample)
        job.log(
            f"Skipped as {reason}: {listed}"
            + (f"; and {more:,} more." if more else ".")
        )


def count_finished(job: JobContext, size: int, tally: Mapping[str, int]) -> None:
    """Chunks a previous run finished: refusals and failures as saved, the rest
    sent."""
    refused = min(int(tally.get("refused") or 0), size)
    failed = min(int(tally.get("failed") or 0), size - refused)

    if refused:
        job.progress.skip(REFUSED, refused)

    if failed:
        job.progress.failed(failed)

    if size - refused - failed:
        job.progress.sent(size - refused - failed)


def count_chunk(
    job: JobContext,
    activity_id: str,
    list_id: str,
    members: Sequence[Member],
    report: ImportReport,
) -> Counter[str]:
    """Buckets of one chunk's contacts; records the accepted ones as recipients."""
    not_added = imports.not_added_to_list(report)
    on_list = (
        imports.list_addresses(job.constant_contact, list_id) if not_added else None
    )
    accepted: list[Member] = []
    counts: Counter[str] = Counter(sent=0, refused=0, failed=0)
    refusals: list[str] = []
    cut = 0

    for (address, candidate), outcome in zip(members, report.outcomes, strict=True):
        cut += bool(outcome.truncated)
        why = "; ".join(outcome.errors)
        imported = outcome.status is Status.IMPORTED

        # Constant Contact updates an unsubscribed contact but keeps it off lists.
        if imported and on_list is not None and address not in on_list:
            why = UNSUBSCRIBED

        if outcome.status is Status.FAILED:
            counts["failed"] += 1
            job.progress.failed()
            refusals.append(f"{candidate.table} {candidate.record_id} failed ({why})")
        elif not imported or why:
            counts["refused"] += 1
            job.progress.skip(REFUSED)
            refusals.append(f"{candidate.table} {candidate.record_id} ({why})")
        else:
            counts["sent"] += 1
            job.progress.sent()
            accepted.append((address, candidate))

    accept(job, activity_id, accepted, count=False)
    _log_refusals(job, refusals)

    if cut:
        job.log(
            f"{cut:,} contacts had a value cut to Constant Contact's length limits."
        )

    return counts


def accept(
    job: JobContext,
    activity_id: str,
    accepted: Sequence[Member],
    count: bool = True,
) -> None:
    """Records who won each accepted address; counts them sent when asked."""
    recipients = [Recipient(address, candidate) for address, candidate in accepted]
    write_recipients(job.dataverse, activity_id, job.job_id, recipients)

    if count and accepted:
        job.progress.sent(len(accepted))


def _log_refusals(job: JobContext, refusals: list[str]) -> None:
    if not refusals:
        return

    more = len(refusals) - SAMPLE_SIZE
    listed = "; ".join(refusals[:SAMPLE_SIZE])
    job.log(
        f"Not sent by Constant Contact: {listed}"
        + (f"; and {more:,} more." if more > 0 else ".")
    )


def _reasons(skips: Counter[str]) -> str:
    return ", ".join(f"{reason} {count:,}" for reason, count in sorted(skips.items()))
