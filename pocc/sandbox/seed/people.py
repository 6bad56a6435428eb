"""The ordinary part of a seeded organisation: people and companies from many places.

Faker writes names, companies, job titles, phones and cities in several locales
(European, American and East Asian), seeded, so one seed always gives the same
organisation. Each row carries its own GUID (uuid5 over the seed and its position),
as a data migration would: lists and campaigns can then refer to rows without
reading them back.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker

from pocc.sandbox.seed.addresses import AddressBook

logger = logging.getLogger(__name__)

# locale -> (country written on the address, weight among the seeded people)
LOCALES: dict[str, tuple[str, int]] = {
    "en_US": ("United States", 30),
    "en_GB": ("United Kingdom", 10),
    "de_DE": ("Germany", 10),
    "de_AT": ("Austria", 3),
    "de_CH": ("Switzerland", 3),
    "fr_FR": ("France", 8),
    "es_ES": ("Spain", 7),
    "pt_BR": ("Brazil", 6),
    "it_IT": ("Italy", 5),
    "pl_PL": ("Poland", 4),
    "ja_JP": ("Japan", 5),
    "zh_CN": ("China", 5),
    "ko_KR": ("South Korea", 4),
}
NAMESPACE = uuid.UUID("6f1c8f5e-2b1d-4f0a-9a57-0c0ffee00000")
# `lead.leadsourcecode` values and how often each comes up among wholesale enquiries.
LEAD_SOURCES = {1: 2, 3: 3, 4: 2, 6: 1, 7: 4, 8: 6, 9: 3}
# One contact in this many has a loyalty anniversary (`contact.anniversary`).
ANNIVERSARY_EVERY = 3
FIRST_ANNIVERSARY = date(2012, 1, 1)
# Primary id column and entity set of each table the seed writes people into.
TABLES = {
    "contact": ("contactid", "contacts"),
    "lead": ("leadid", "leads"),
    "account": ("accountid", "accounts"),
}


@dataclass
class Record:
    """One row to create: its table, id, columns, and the awkward cases it holds."""

    table: str
    id: str
    columns: dict[str, Any]
    cases: set[str] = field(default_factory=set)
    locale: str = "en_US"

    def row(self) -> dict[str, Any]:
        return {TABLES[self.table][0]: self.id, **self.columns}

    @property
    def email(self) -> str | None:
        return self.columns.get("emailaddress1")


def record_id(seed: int, table: str, position: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{table}:{position}"))


class PeopleFactory:
    """Makes contacts, leads and accounts; one instance per seeded organisation."""

    def __init__(self, seed: int, rng: random.Random, addresses: AddressBook) -> None:
        self.seed = seed
        self.rng = rng
        self.addresses = addresses
        self.faker = Faker(list(LOCALES))
        self.faker.seed_instance(seed)
        # The columns custom fields carry come from a generator of their own, so
        # adding them left every name and address of a seed as it was.
        self.details = random.Random(f"{seed}:details")
        self._locales = list(LOCALES)
        self._weights = [weight for _, weight in LOCALES.values()]

    def contacts(self, count: int) -> list[Record]:
        return [self._contact(position) for position in range(count)]

    def leads(self, count: int) -> list[Record]:
        return [self._lead(position) for position in range(count)]

    def accounts(self, count: int) -> list[Record]:
        return [self._account(position) for position in range(count)]

    def _contact(self, position: int) -> Record:
        locale, fake = self._pick()
        first, last = fake.first_name()[:50], fake.last_name()[:50]
        columns = {
            "firstname": first,
            "lastname": last,
            "emailaddress1": self.addresses.person(first, last),
            "jobtitle": fake.job()[:100],
            "telephone1": fake.phone_number()[:50],
            **self._address(locale, fake),
            "donotemail": False,
            "donotbulkemail": False,
        }

        if position % ANNIVERSARY_EVERY == 0:
            days = self.details.randrange(12 * 365)
            columns["anniversary"] = (FIRST_ANNIVERSARY + timedelta(days)).isoformat()

        return Record(
            "contact", record_id(self.seed, "contact", position), columns, locale=locale
        )

    def _lead(self, position: int) -> Record:
        locale, fake = self._pick()
        first, last = fake.first_name()[:50], fake.last_name()[:50]
        company = fake.company()[:100]
        columns = {
            "subject": f"Wholesale enquiry from {company}"[:300],
            "firstname": first,
            "lastname": last,
            "companyname": company,
            "emailaddress1": self.addresses.person(first, last),
            "jobtitle": fake.job()[:100],
            "leadsourcecode": self.details.choices(
                list(LEAD_SOURCES), list(LEAD_SOURCES.values())
            )[0],
            **self._address(locale, fake),
            "donotemail": False,
            "donotbulkemail": False,
        }
        return Record(
            "lead", record_id(self.seed, "lead", position), columns, locale=locale
        )

    def _account(self, position: int) -> Record:
        locale, fake = self._pick()
        name = fake.company()[:160]
        columns = {
            "name": name,
            "emailaddress1": self.addresses.organisation(name),
            "telephone1": fake.phone_number()[:50],
            **self._address(locale, fake),
            "donotemail": False,
            "donotbulkemail": False,
        }
        return Record(
            "account", record_id(self.seed, "account", position), columns, locale=locale
        )

    def _pick(self) -> tuple[str, Any]:
        locale = self.rng.choices(self._locales, self._weights)[0]
        return locale, self.faker[locale]

    @staticmethod
    def _address(locale: str, fake: Any) -> dict[str, Any]:
        return {
            "address1_city": fake.city()[:80],
            "address1_country": LOCALES[locale][0],
        }
