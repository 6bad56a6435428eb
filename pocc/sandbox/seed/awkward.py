"""The awkward records every real CRM holds, planted among the ordinary ones.

Each case is applied to records chosen at random (seeded) from a pool, so no record
holds two cases that would blur which skip reason it should get: one pool for the
cases about addresses and emailing permission, another for the cases about names.
`CASES` says how many of each go into each table; every record touched is tagged
with its case (`Record.cases`), so tests and the demo can find them again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from pocc.sandbox.seed.addresses import DOMAINS, ascii_words
from pocc.sandbox.seed.people import Record

logger = logging.getLogger(__name__)

# The cases about addresses and permission to email, by table.
ADDRESS_CASES: dict[str, dict[str, int]] = {
    "contact": {
        "case_variant": 25,
        "space_variant": 15,
        "plus_addressed": 40,
        "internationalised": 20,
        "invalid_email": 40,
        "missing_email": 60,
        "too_long_for_import": 10,
        "inactive": 50,
        "do_not_email": 40,
        "do_not_bulk_email": 40,
    },
    "lead": {
        "case_variant": 10,
        "plus_addressed": 10,
        "internationalised": 5,
        "invalid_email": 10,
        "missing_email": 20,
        "inactive": 40,
        "do_not_email": 10,
        "do_not_bulk_email": 10,
    },
    "account": {
        "invalid_email": 5,
        "missing_email": 30,
        "inactive": 20,
        "do_not_email": 5,
        "do_not_bulk_email": 5,
    },
}
# One address on a contact, a lead and an account at once: how many such triples.
SHARED_ACROSS_TABLES = 20
# Contacts, left ordinary, whose addresses the case and space variants repeat.
VARIANT_SOURCES = 40
# The cases about names, by table.
NAME_CASES: dict[str, dict[str, int]] = {
    "contact": {
        "accented_name": 30,
        "cjk_name": 30,
        "emoji_name": 15,
        "curly_apostrophe": 20,
        "long_name": 25,
    },
    "lead": {"emoji_name": 5, "curly_apostrophe": 5, "long_name": 20},
    "account": {"long_name": 30},
}
# Constant Contact's limit on first_name, last_name, job_title and company_name.
CONSTANT_CONTACT_NAME_LIMIT = 50

INVALID_FORMS: tuple[Callable[[str], str], ...] = (
    lambda local: f"{local}.example.com",
    lambda local: f"{local}@@example.com",
    lambda local: f"{local}@example.com (work)",
    lambda local: f"{local}@example..com",
    lambda local: f".{local}@example.org",
    lambda local: f"{local}@",
    lambda local: "@example.net",
    lambda local: f"{local},sales@example.com",
)
INTERNATIONAL_ADDRESSES = (
    "zoë.laurent@example.com",
    "josé.garcía@example.org",
    "müller@bücher.example",
    "用户@例子.example",
    "пользователь@пример.example",
    "θέμα@example.net",
    "info@café.example",
    "さくら@example.com",
)
ACCENTED = (
    ("Zoë", "Müller"),
    ("François", "Dvořák"),
    ("Chloé", "Østergård"),
    ("Søren", "Gonçalves"),
    ("Begoña", "Núñez"),
    ("Łukasz", "Šimůnek"),
    ("Željko", "Ångström"),
    ("Inês", "Ağaoğlu"),
)
EMOJI = ("🌟", "☕", "🎉", "🌻", "🚀", "❤️")
CURLY = (
    ("Seán", "O\u2019Brien"),
    ("D\u2019Arcy", "Fitzgerald"),
    ("Aoife", "O\u2019Connor"),
    ("Marco", "D\u2019Angelo"),
    ("Awa", "N\u2019Diaye"),
)
LONG_TITLES = (
    "Senior Vice President of International Business Development and Strategic "
    "Partnerships, EMEA",
    "Assistant to the Regional Director of Customer Experience and Loyalty Programmes",
    "Head of Sustainable Sourcing, Quality Assurance and Direct Trade Relationships",
)
LONG_COMPANIES = (
    "The International Association of Independent Specialty Coffee Roasters and "
    "Importers of Northern Europe",
    "Consolidated Hospitality, Catering and Institutional Food Service Suppliers "
    "Cooperative Limited",
    "Gesellschaft für nachhaltigen Kaffeeanbau und fairen Handel in Mittel- und "
    "Südamerika mbH",
)


@dataclass
class Population:
    contacts: list[Record]
    leads: list[Record]
    accounts: list[Record]

    def table(self, name: str) -> list[Record]:
        return {"contact": self.contacts, "lead": self.leads, "account": self.accounts}[
            name
        ]

    def all(self) -> list[Record]:
        return [*self.contacts, *self.leads, *self.accounts]

    def with_case(self, case: str) -> list[Record]:
        return [record for record in self.all() if case in record.cases]


def plant(population: Population, rng: random.Random) -> None:
    """Applies every awkward case to records chosen from `population`."""
    address_pools = {name: _pool(population.table(name), rng) for name in ADDRESS_CASES}
    name_pools = {name: _pool(population.table(name), rng) for name in NAME_CASES}
    # Ordinary contacts whose addresses the case and space variants repeat.
    sources = _take(address_pools["contact"], VARIANT_SOURCES)

    _share_across_tables(address_pools, rng)

    for table, cases in ADDRESS_CASES.items():
        for case, count in cases.items():
            for record in _take(address_pools[table], count):
                _apply_address_case(case, record, sources, rng)

    for table, cases in NAME_CASES.items():
        for case, count in cases.items():
            for record in _take(name_pools[table], count):
                _apply_name_case(case, record, rng)

    logger.debug("planted the awkward cases in %s records", len(population.all()))


def _pool(records: list[Record], rng: random.Random) -> list[Record]:
    pool = list(records)
    rng.shuffle(pool)
    return pool


def _take(pool: list[Record], count: int) -> list[Record]:
    if count > len(pool):
        raise ValueError(f"cannot plant {count} awkward cases in {len(pool)} records")

    taken = pool[-count:]
    del pool[-count:]
    return taken


def _share_across_tables(pools: dict[str, list[Record]], rng: random.Random) -> None:
    for contact, lead, account in zip(
        _take(pools["contact"], SHARED_ACROSS_TABLES),
        _take(pools["lead"], SHARED_ACROSS_TABLES),
        _take(pools["account"], SHARED_ACROSS_TABLES),
        strict=True,
    ):
        lead.columns["emailaddress1"] = contact.email
        account.columns["emailaddress1"] = contact.email

        for record in (contact, lead, account):
            record.cases.add("shared_across_tables")


def _apply_address_case(
    case: str, record: Record, sources: list[Record], rng: random.Random
) -> None:
    columns = record.columns
    local = ascii_words(columns.get("firstname") or columns.get("name") or "x")

    if case in ("case_variant", "space_variant"):
        # The other record keeps its address as it is: it stays an ordinary one.
        source = rng.choice(sources)
        columns["emailaddress1"] = _variant(source.email or "", case, rng)
    elif case == "plus_addressed":
        name, _, domain = (record.email or "x@example.com").partition("@")
        columns["emailaddress1"] = (
            f"{name}+{rng.choice(('news', 'crm', 'promo'))}@{domain}"
        )
    elif case == "internationalised":
        columns["emailaddress1"] = rng.choice(INTERNATIONAL_ADDRESSES).replace(
            "@", f"{rng.randrange(10, 99)}@", 1
        )
    elif case == "invalid_email":
        columns["emailaddress1"] = rng.choice(INVALID_FORMS)(local or "someone")
    elif case == "missing_email":
        columns["emailaddress1"] = None
    elif case == "too_long_for_import":
        columns["emailaddress1"] = _long_address(local, rng)
    elif case == "inactive":
        columns.update(_inactive_state(record.table, rng))
    elif case == "do_not_email":
        columns["donotemail"] = True
    elif case == "do_not_bulk_email":
        columns["donotbulkemail"] = True

    record.cases.add(case)


def _variant(address: str, case: str, rng: random.Random) -> str:
    if case == "space_variant":
        return rng.choice((f" {address}", f"{address} ", f"  {address}  "))

    if address.upper() != address:
        return address.upper() if rng.random() < 0.5 else address.title()

    return address.lower()


def _long_address(local: str, rng: random.Random) -> str:
    """Valid, but longer than the 50 characters Constant Contact's import takes."""
    base = f"{local or 'someone'}.newsletter.subscriptions.and.announcements"
    address = f"{base}.{rng.randrange(100, 999)}@{rng.choice(DOMAINS)}"
    return address[-100:] if len(address) > 100 else address


def _inactive_state(table: str, rng: random.Random) -> dict[str, int]:
    if table == "lead":
        # A lead is only worked while Open; Qualified and Disqualified are closed.
        return rng.choice(
            ({"statecode": 1, "statuscode": 3}, {"statecode": 2, "statuscode": 4})
        )

    return {"statecode": 1, "statuscode": 2}


def _apply_name_case(case: str, record: Record, rng: random.Random) -> None:
    columns = record.columns

    if case == "accented_name":
        columns["firstname"], columns["lastname"] = rng.choice(ACCENTED)
    elif case == "cjk_name":
        columns["firstname"], columns["lastname"] = _cjk_name(rng)
    elif case == "emoji_name":
        columns["firstname"] = f"{columns['firstname'][:40]} {rng.choice(EMOJI)}"
    elif case == "curly_apostrophe":
        columns["firstname"], columns["lastname"] = rng.choice(CURLY)
    elif case == "long_name":
        _lengthen(record, rng)

    record.cases.add(case)


def _cjk_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(
        (
            ("美咲", "佐藤"),
            ("翔太", "鈴木"),
            ("伟", "王"),
            ("秀英", "李"),
            ("민준", "김"),
            ("서연", "박"),
        )
    )


def _lengthen(record: Record, rng: random.Random) -> None:
    """A name column longer than Constant Contact takes, within Dataverse's limit."""
    if record.table == "contact":
        record.columns["jobtitle"] = rng.choice(LONG_TITLES)[:100]
    elif record.table == "lead":
        record.columns["companyname"] = rng.choice(LONG_COMPANIES)[:100]
    else:
        record.columns["name"] = rng.choice(LONG_COMPANIES)[:160]
