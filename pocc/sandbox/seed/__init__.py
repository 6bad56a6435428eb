"""A realistic organisation for the demo and the benchmarks, seeded through the Web API.

`build_population(seed, ...)` makes the people (Faker, several locales, a fixed
seed) and plants the awkward cases; `plan_marketing` adds the marketing lists and
the campaign; `seed_organization(api, ...)` writes it all with the sandbox's admin
app in CreateMultiple and AddListMembersList chunks, so 6,500 rows take seconds.
The same seed always gives the same organisation, ids included.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from pocc.sandbox.seed.addresses import AddressBook
from pocc.sandbox.seed.awkward import Population, plant
from pocc.sandbox.seed.marketing import Marketing, plan_marketing, write_marketing
from pocc.sandbox.seed.people import TABLES, PeopleFactory, Record
from pocc.sandbox.seed.web_api import AdminWebApi, SeedError

logger = logging.getLogger(__name__)

STATE_COLUMNS = ("statecode", "statuscode")
DEFAULT_SEED = 20_240_501
DEFAULT_CONTACTS = 5_000
DEFAULT_LEADS = 1_000
DEFAULT_ACCOUNTS = 500

__all__ = [
    "AdminWebApi",
    "SeedError",
    "SeededOrganization",
    "build_population",
    "seed_organization",
]


@dataclass(frozen=True)
class SeededOrganization:
    population: Population
    marketing: Marketing
    seconds: float
    calls: int


def build_population(
    seed: int = DEFAULT_SEED,
    contacts: int = DEFAULT_CONTACTS,
    leads: int = DEFAULT_LEADS,
    accounts: int = DEFAULT_ACCOUNTS,
) -> Population:
    """The people of the organisation, awkward cases planted (nothing written)."""
    rng = random.Random(seed)
    factory = PeopleFactory(seed, rng, AddressBook(rng))
    population = Population(
        factory.contacts(contacts), factory.leads(leads), factory.accounts(accounts)
    )
    plant(population, rng)
    return population


def seed_organization(
    api: AdminWebApi,
    seed: int = DEFAULT_SEED,
    contacts: int = DEFAULT_CONTACTS,
    leads: int = DEFAULT_LEADS,
    accounts: int = DEFAULT_ACCOUNTS,
) -> SeededOrganization:
    """Builds the organisation and writes it through the Web API."""
    started = time.monotonic()
    calls_before = api.calls
    population = build_population(seed, contacts, leads, accounts)
    marketing = plan_marketing(population, seed, random.Random(seed + 1))

    for table, records in (
        ("account", population.accounts),
        ("contact", population.contacts),
        ("lead", population.leads),
    ):
        _write_records(api, table, records)

    write_marketing(api, marketing)
    seconds = time.monotonic() - started
    logger.info(
        "seeded %s records in %.1f s with %s Web API calls",
        len(population.all()),
        seconds,
        api.calls - calls_before,
    )
    return SeededOrganization(population, marketing, seconds, api.calls - calls_before)


def _write_records(api: AdminWebApi, table: str, records: list[Record]) -> None:
    """Creates the rows active, then closes the inactive ones.

    Dataverse creates every row in its table's default (active) state; a closed
    record is one whose state was changed afterwards, as in a real organisation.
    """
    primary_id, entity_set = TABLES[table]
    rows = []
    closed = []

    for record in records:
        row = record.row()
        state = {name: row.pop(name) for name in STATE_COLUMNS if name in row}
        rows.append(row)

        if state:
            closed.append({primary_id: record.id, **state})

    api.create_multiple(entity_set, table, rows)

    if closed:
        api.update_multiple(entity_set, table, closed)
