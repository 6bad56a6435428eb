"""Reading every member once: each record's bucket, and the winner of each address.

A record that is a member of several lists is one member (it would get one email);
"members read" counts distinct records. Each is checked in this order: active and
allowing email (`eligibility`), then its address (`addresses`), then whether another
record wins the address (`dedupe`). Skips are counted by reason, and the first
`SAMPLE_SIZE` of each reason are kept, with record ids and never addresses, for the
job's log. Import rows are spooled to a temporary file, so memory holds the winner
map and one page of rows, not every member's fields.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from pocc.dataverse import DataverseClient
from pocc.send import addresses, eligibility
from pocc.send.dedupe import Candidate, Winners
from pocc.send.mapping import FieldMap, record_name
from pocc.send.members import (
    MarketingList,
    MarketingListError,
    MemberTable,
    list_members,
)

logger = logging.getLogger(__name__)

DUPLICATE = "duplicate"
SAMPLE_SIZE = 20


@dataclass(frozen=True)
class Skipped:
    table: str
    record_id: str
    detail: str


@dataclass
class SendPlan:
    """What the read found: members, skips by reason, and the winners."""

    winners: Winners = field(default_factory=Winners)
    members: int = 0
    skips: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[Skipped]] = field(default_factory=dict)
    spool: IO[bytes] = field(default_factory=tempfile.TemporaryFile)

    def skip(self, reason: str, table: str, record_id: str, detail: str) -> None:
        self.skips[reason] += 1
        sample = self.samples.setdefault(reason, [])

        if len(sample) < SAMPLE_SIZE:
            sample.append(Skipped(table, record_id, detail))

        logger.debug("skipped %s %s: %s (%s)", table, record_id, reason, detail)

    def keep(self, row: dict[str, Any]) -> int:
        """Spools an import row; where it lies."""
        self.spool.seek(0, 2)
        offset = self.spool.tell()
        self.spool.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        return offset

    def row(self, candidate: Candidate) -> dict[str, Any]:
        self.spool.seek(candidate.offset)
        return json.loads(self.spool.readline())

    def recipients(self) -> Iterator[tuple[str, Candidate]]:
        """(address, winner) in a stable order: the order addresses were met."""
        return self.winners.items()

    def close(self) -> None:
        self.spool.close()


def read_plan(
    dataverse: DataverseClient,
    lists: Sequence[MarketingList],
    field_map: FieldMap,
    on_page: Callable[[], None] | None = None,
    page_size: int = 5000,
) -> SendPlan:
    """Reads the members of `lists` and sorts each into a bucket or the winners."""
    plan = SendPlan()
    seen: set[tuple[str, str]] = set()

    for marketing_list in lists:
        table = marketing_list.member_table

        if table is None:
            raise MarketingListError(
                f"The marketing list {marketing_list.name} has no member type."
            )

        columns = [*field_map.columns(table.logical_name), *table.name_columns]
        rows = list_members(
            dataverse,
            marketing_list,
            columns,
            page_size,
            formatted=field_map.needs_formatted_values,
        )

        for number, record in enumerate(rows, start=1):
            key = (table.logical_name, str(record[table.primary_id]).lower())

            if key not in seen:
                seen.add(key)
                _sort(plan, table.logical_name, key[1], record, field_map, table)

            if on_page is not None and number % page_size == 0:
                on_page()

        logger.info("read list %s: %s members so far", marketing_list.id, plan.members)

    return plan


def _sort(
    plan: SendPlan,
    table: str,
    record_id: str,
    record: dict[str, Any],
    field_map: FieldMap,
    member_table: MemberTable,
) -> None:
    plan.members += 1
    refusal = eligibility.skip_reason(record)

    if refusal is not None:
        plan.skip(refusal[0], table, record_id, refusal[1])
        return

    address = addresses.normalize(record.get("emailaddress1"))

    if not address.ok:
        plan.skip(str(address.problem), table, record_id, address.detail)
        return

    name = record_name(table, record, member_table.name_columns)
    candidate = Candidate(table, record_id, record.get("modifiedon") or "", name)
    candidate.offset = plan.keep(field_map.import_row(table, record, address.value))
    loser = plan.winners.offer(address.value, candidate)

    holder = plan.winners.winner(address.value)

    if loser is not None and holder is not None:
        plan.skip(
            DUPLICATE,
            loser.table,
            loser.record_id,
            f"same address as {holder.table} {holder.record_id}, which is sent to",
        )
