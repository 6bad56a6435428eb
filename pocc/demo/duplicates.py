"""Step 7: Find duplicates, and the shared addresses the seeder planted among them.

The job writes one `pocc_emailduplicate` row per address that several emailable
records share (by the normalisation Send uses), listing the records, the one Send
would use first. The demo prints how many there are, a few of them, and checks that
every address the seeder planted on more than one emailable record was found.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from typing import Any

from pocc.dataverse import DataverseClient, Query
from pocc.demo.console import count, say, table
from pocc.demo.findings import Findings
from pocc.demo.job_follower import JobFollower, require_status
from pocc.duplicates.results import EMAIL_DUPLICATES, KEY_COLUMN
from pocc.jobs.job_row import JobKindValue, JobStatus
from pocc.sandbox.seed import SeededOrganization
from pocc.send.addresses import normalize

logger = logging.getLogger(__name__)

# The seeder's cases that put one address on several records.
PLANTED_CASES = ("shared_across_tables", "case_variant", "space_variant")
SHOWN_EXAMPLES = 4


def find_duplicates(jobs: JobFollower, crm_user: DataverseClient) -> list[dict]:
    """Runs the job; the rows it left, most records first."""
    job = jobs.run("Find duplicates", JobKindValue.FIND_DUPLICATES)
    require_status(job, JobStatus.SUCCEEDED)
    query = Query(select=[KEY_COLUMN, "pocc_count", "pocc_records"])
    rows = list(crm_user.query(EMAIL_DUPLICATES, query))
    return sorted(rows, key=lambda row: (-int(row["pocc_count"]), row[KEY_COLUMN]))


def show_duplicates(rows: list[dict[str, Any]]) -> None:
    sizes = Counter(int(row["pocc_count"]) for row in rows)
    records = sum(int(row["pocc_count"]) for row in rows)
    say(
        f"{count(len(rows))} email addresses are shared by {count(records)} records ("
        + ", ".join(f"{count(n)} by {size}" for size, n in sorted(sizes.items()))
        + "). A few of them:",
        1,
    )
    examples = _examples(rows)
    table(
        ["Shared address", "Records (the first is the one Send uses)"],
        [[row[KEY_COLUMN], "; ".join(_described(row))] for row in examples],
    )


def check_planted(
    rows: list[dict[str, Any]], seeded: SeededOrganization, findings: Findings
) -> None:
    """Every planted address held by two or more emailable records was found."""
    planted: dict[str, set[str]] = defaultdict(set)

    for record in seeded.population.all():
        address = normalize(record.email)

        if address.ok and _emailable(record.columns):
            planted[address.value].add(record.id)

    wanted = {
        address
        for address, holders in planted.items()
        if len(holders) > 1 and _has_planted_case(seeded, holders)
    }
    found = {row[KEY_COLUMN] for row in rows}
    say(
        f"The seeder planted {count(len(wanted))} addresses on more than one "
        "emailable record; all of them are among those found"
        if wanted <= found
        else "Some planted shared addresses were not found",
        1,
    )
    findings.check(
        "planted shared addresses found by Find duplicates",
        len(wanted & found),
        len(wanted),
        "the seeder planted",
    )
    findings.check(
        "shared addresses found", len(found), len(_all_shared(planted)), "the seed has"
    )


def _all_shared(planted: dict[str, set[str]]) -> set[str]:
    return {address for address, holders in planted.items() if len(holders) > 1}


def _has_planted_case(seeded: SeededOrganization, holders: set[str]) -> bool:
    return any(
        set(PLANTED_CASES) & record.cases
        for record in seeded.population.all()
        if record.id in holders
    )


def _emailable(columns: dict[str, Any]) -> bool:
    """What the finder scans: active records that allow email and bulk email."""
    return (
        columns.get("statecode", 0) == 0
        and not columns.get("donotemail")
        and not columns.get("donotbulkemail")
    )


def _examples(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The biggest group, then groups that differ by case or spaces."""
    chosen = rows[: SHOWN_EXAMPLES // 2]
    rest = [row for row in rows[len(chosen) :] if int(row["pocc_count"]) == 2]
    return chosen + rest[: SHOWN_EXAMPLES - len(chosen)]


def _described(row: dict[str, Any]) -> list[str]:
    described = []

    for item in json.loads(row.get("pocc_records") or "[]"):
        if "more" in item:
            described.append(f"and {count(item['more'])} more")
        else:
            described.append(f"{item['table']} {item['name']}")

    return described
