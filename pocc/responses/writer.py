"""Writing responses in `$batch` change sets, each response at most once.

Each response is its own change set: the create of the `campaignresponse` and, for
an opt-out, the update that sets `donotbulkemail` on the record, so the flag is set
exactly when the response that says so is written. The create is an upsert that
may only create (`If-None-Match: *`): a response that an earlier or overlapping run
wrote answers 412 and its change set, flag included, changes nothing. That makes the
batch safe to send again after a dropped connection, and lets many change sets travel
in one request (`odata.continue-on-error`) without one refusal stopping the rest.

pocc never writes to Constant Contact here: an opt-out stays an opt-out, and nothing
re-subscribes anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pocc.dataverse import ChangeSet, DataverseClient, Operation
from pocc.dataverse.batch import Outcome
from pocc.errors import DuplicateKeyError, NotFoundError
from pocc.responses import records
from pocc.responses.records import Response

logger = logging.getLogger(__name__)

# Responses per `$batch` request (each 1 or 2 operations; Dataverse takes 1,000).
BATCH_RESPONSES = 400
NO_BULK_EMAIL = {"donotbulkemail": True}


@dataclass
class WriteCounts:
    written: int = 0
    already: int = 0
    opted_out: int = 0
    # Records deleted in D365 since the send: nothing to attach a response to.
    missing_records: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.written += other.written
        self.already += other.already
        self.opted_out += other.opted_out
        self.missing_records += other.missing_records
        self.errors.extend(other.errors)


def change_set(response: Response) -> ChangeSet:
    create = Operation(
        "PATCH",
        f"{records.RESPONSES}({response.id})",
        records.body(response),
        {"If-None-Match": "*"},
    )

    if not response.opts_out:
        return ChangeSet([create])

    record = response.record
    return ChangeSet(
        [create, Operation.update(record.entity_set, record.id, NO_BULK_EMAIL)]
    )


def write_responses(
    dataverse: DataverseClient,
    responses: Sequence[Response],
    between_batches: Callable[[], None] = lambda: None,
    batch_responses: int = BATCH_RESPONSES,
) -> WriteCounts:
    """Writes every response not yet stored; `between_batches` runs after each batch
    (the job checks for a cancel or a shutdown there)."""
    counts = WriteCounts()

    for start in range(0, len(responses), batch_responses):
        chunk = responses[start : start + batch_responses]
        outcomes = dataverse.write_batch([change_set(item) for item in chunk])
        counts.add(_count(chunk, outcomes))
        between_batches()

    return counts


def _count(chunk: Sequence[Response], outcomes: list[Outcome]) -> WriteCounts:
    counts = WriteCounts()
    position = 0

    for response in chunk:
        size = 2 if response.opts_out else 1
        mine = outcomes[position : position + size]
        position += size
        _count_one(counts, response, mine)

    return counts


def _count_one(
    counts: WriteCounts, response: Response, outcomes: list[Outcome]
) -> None:
    if all(outcome.ok for outcome in outcomes):
        counts.written += 1
        counts.opted_out += int(response.opts_out)
        return

    culprit = next(
        (outcome for outcome in outcomes if not outcome.rolled_back and not outcome.ok),
        outcomes[0],
    )

    if isinstance(culprit.error, DuplicateKeyError):
        counts.already += 1
    elif isinstance(culprit.error, NotFoundError):
        counts.missing_records += 1
        logger.info(
            "response %s: the %s it is about no longer exists",
            response.id,
            response.record.table,
        )
    else:
        counts.errors.append(str(culprit.error))
