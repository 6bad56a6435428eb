"""Step 1 as the demo prints it: the organisation seeded, its awkward cases counted."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from pocc.demo.console import count, say, table
from pocc.demo.stack import ORGANIZATION
from pocc.sandbox.seed import AdminWebApi, SeededOrganization, seed_organization

logger = logging.getLogger(__name__)

CASE_LABELS = {
    "shared_across_tables": "same address on a contact, a lead and an account",
    "case_variant": "address differing only by case",
    "space_variant": "address with surrounding spaces",
    "plus_addressed": "plus-addressed (name+tag@...)",
    "internationalised": "internationalised address",
    "invalid_email": "invalid address",
    "missing_email": "no address",
    "too_long_for_import": "address over 50 characters",
    "inactive": "inactive record",
    "do_not_email": "Do not allow Emails",
    "do_not_bulk_email": "Do not allow Bulk Emails",
    "accented_name": "name with accents",
    "cjk_name": "name in Chinese, Japanese or Korean",
    "emoji_name": "name with an emoji",
    "curly_apostrophe": "name with a curly apostrophe",
    "long_name": "name or title over 50 characters",
}


def seed(sandbox_config: dict[str, Any]) -> SeededOrganization:
    api = AdminWebApi(sandbox_config, ORGANIZATION)

    try:
        seeded = seed_organization(api)
    finally:
        api.close()

    population = seeded.population
    say(
        f"Seeded {count(len(population.contacts))} contacts, "
        f"{count(len(population.leads))} leads and {count(len(population.accounts))} "
        f"accounts in {seeded.seconds:.1f} s ({seeded.calls} Web API calls)",
        1,
    )
    _show_cases(seeded)
    _show_lists(seeded)
    return seeded


def _show_cases(seeded: SeededOrganization) -> None:
    tallies: dict[str, Counter[str]] = {case: Counter() for case in CASE_LABELS}

    for record in seeded.population.all():
        for case in record.cases:
            tallies[case][record.table] += 1

    say("Among them, the awkward cases real CRMs hold:", 1)
    table(
        ["Case", "Contacts", "Leads", "Accounts"],
        [
            [
                label,
                count(tallies[case]["contact"]),
                count(tallies[case]["lead"]),
                count(tallies[case]["account"]),
            ]
            for case, label in CASE_LABELS.items()
        ],
        level=2,
    )


def _show_lists(seeded: SeededOrganization) -> None:
    marketing = seeded.marketing
    say(f"Campaign “{marketing.campaign_name}” with its marketing lists:", 1)
    table(
        ["Marketing list", "Type", "Members"],
        [
            [
                item.name,
                "dynamic" if item.dynamic else "static",
                "FetchXML query" if item.dynamic else count(len(item.member_ids)),
            ]
            for item in marketing.lists
        ],
        level=2,
    )
