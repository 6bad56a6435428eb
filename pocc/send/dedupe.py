"""One record per address: the rule that says which record wins, and the winners.

When several records share an address, Constant Contact would keep one contact for
all of them, so pocc sends to one record and skips the others as duplicates. The
winner is, in order:

1. a contact over a lead over an account (a person beats a company, and a contact is
   the record a lead becomes);
2. then the most recently modified record (its details are the freshest);
3. then the smallest record id, so that the choice never depends on reading order.

The duplicate finder (`pocc_emailduplicate`) names the same record as the one Send
uses. The map from address to winner is the only thing a send holds that grows with
its recipients; each winner's import row waits in a temporary file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

logger = logging.getLogger(__name__)

TABLE_RANK = {"contact": 0, "lead": 1, "account": 2}


@dataclass(slots=True)
class Candidate:
    """A record that may receive the email at an address."""

    table: str
    record_id: str
    modified_on: str
    name: str
    # Where its import row lies in the plan's spool file.
    offset: int = 0


def beats(challenger: Candidate, holder: Candidate) -> bool:
    """True when `challenger` should receive the email instead of `holder`."""
    rank = TABLE_RANK[challenger.table], TABLE_RANK[holder.table]

    if rank[0] != rank[1]:
        return rank[0] < rank[1]

    if challenger.modified_on != holder.modified_on:
        # UTC text in one format sorts as time does.
        return challenger.modified_on > holder.modified_on

    return challenger.record_id < holder.record_id


class Winners:
    """The winning record of each address, in the order addresses were first seen."""

    def __init__(self) -> None:
        self._by_address: dict[str, Candidate] = {}

    def offer(self, address: str, candidate: Candidate) -> Candidate | None:
        """Keeps the better of `candidate` and the holder; returns the other one."""
        holder = self._by_address.get(address)

        if holder is None:
            self._by_address[address] = candidate
            return None

        if beats(candidate, holder):
            self._by_address[address] = candidate
            return holder

        return candidate

    def winner(self, address: str) -> Candidate | None:
        return self._by_address.get(address)

    def __len__(self) -> int:
        return len(self._by_address)

    def items(self) -> Iterator[tuple[str, Candidate]]:
        return iter(self._by_address.items())
