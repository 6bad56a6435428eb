"""Find duplicates: which email addresses several emailable records share.

Steps:

1. scan accounts, contacts and leads that Send could email, page by page
   (`pocc.duplicates.scan`), into a temporary on-disk index: memory holds a page;
2. write one `pocc_emailduplicate` row per shared address, naming the record Send
   would use (`pocc.duplicates.results`);
3. delete the rows of the previous scan whose address is no longer shared.

Buckets: every record read is processed; one without a usable address is skipped as
"no email" or "invalid email". Nothing is written to Constant Contact, so the job
needs neither the writer lease nor a connected account. The index lives only as long
as the run, so a resumed job scans again from the start; its writes are upserts by
address, so nothing is written twice.
"""

from __future__ import annotations

import logging
from itertools import islice

from pocc.duplicates.address_index import AddressIndex
from pocc.duplicates.results import remove_stale, write_duplicates
from pocc.duplicates.scan import SCANNED_TABLES, ScannedRecord, scan_table
from pocc.jobs.job_row import JobKindValue, utc_now
from pocc.jobs.kinds import JobContext, JobKind, Outcome, register
from pocc.send.dedupe import Candidate
from pocc.send.members import MemberTable

logger = logging.getLogger(__name__)


@register(JobKindValue.FIND_DUPLICATES)
class FindDuplicates(JobKind):
    writes_to_constant_contact = False
    needs_constant_contact = False
    page_size = 5000

    def run(self, job: JobContext) -> Outcome:
        job.progress.reset()
        found_on = utc_now()
        index = AddressIndex()

        try:
            for table in SCANNED_TABLES:
                self._scan(job, index, table)

            job.stop_if_cancelled()
            shared = self._shared_counts(index)
            written = write_duplicates(
                job.dataverse, index.shared(), found_on, job.stop_if_cancelled
            )
            removed = remove_stale(job.dataverse, index.holds_shared)
        finally:
            index.close()

        addresses, records = shared
        job.log(
            f"Wrote {written:,} duplicate rows; removed {removed:,} from the "
            "previous scan that no longer apply."
        )
        return Outcome.succeeded(
            f"{addresses:,} email addresses are shared by {records:,} records "
            f"(of {index.count:,} emailable records scanned)"
        )

    def _scan(self, job: JobContext, index: AddressIndex, table: MemberTable) -> None:
        rows = scan_table(job.dataverse, table, self.page_size)
        read = 0

        while page := list(islice(rows, self.page_size)):
            job.progress.add_total(len(page))
            index.add(self._count(job, page))
            read += len(page)
            job.stop_if_cancelled()

        job.log(f"Read {read:,} emailable {table.entity_set}.")

    def _count(
        self, job: JobContext, page: list[ScannedRecord]
    ) -> list[tuple[str, Candidate]]:
        kept: list[tuple[str, Candidate]] = []

        for item in page:
            if item.skip_reason is not None:
                job.progress.skip(item.skip_reason)
                continue

            job.progress.done()
            kept.append((item.address, item.candidate))

        return kept

    def _shared_counts(self, index: AddressIndex) -> tuple[int, int]:
        addresses = records = 0

        for _, group in index.shared():
            addresses += 1
            records += len(group)

        return addresses, records
