"""The marketing side of a seeded organisation: four marketing lists and a campaign.

Three static lists (one each of contacts, leads and accounts) and one dynamic list
whose FetchXML picks contacts by country, as a marketer builds them in D365. The
dynamic list overlaps the static contacts list on purpose: a contact on both lists
is one member of the send and must be sent to once. Some contacts are on no static
list at all, and a few of them only reach the send through the dynamic list.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pocc.sandbox.seed.awkward import Population
from pocc.sandbox.seed.people import NAMESPACE
from pocc.sandbox.seed.web_api import AdminWebApi

logger = logging.getLogger(__name__)

# `list.createdfromcode`: which table a list's members come from.
MEMBER_TYPES = {"account": 1, "contact": 2, "lead": 4}
DYNAMIC_COUNTRIES = ("Germany", "Austria", "Switzerland")
# One contact in this many is left off the static contacts list.
OFF_LIST_EVERY = 9
CAMPAIGN_NAME = "Contoso Rewards launch"


@dataclass(frozen=True)
class MarketingList:
    id: str
    name: str
    member_table: str
    dynamic: bool
    member_ids: tuple[str, ...] = ()
    fetch_xml: str = ""


@dataclass(frozen=True)
class Marketing:
    lists: tuple[MarketingList, ...]
    campaign_id: str
    campaign_name: str


def plan_marketing(population: Population, seed: int, rng: random.Random) -> Marketing:
    """The lists and the campaign for `population` (nothing is written yet)."""
    contacts = [record.id for record in population.contacts]
    off_list = set(rng.sample(contacts, len(contacts) // OFF_LIST_EVERY))

    lists = (
        MarketingList(
            _id(seed, "list:contacts"),
            "Newsletter subscribers",
            "contact",
            False,
            tuple(contact for contact in contacts if contact not in off_list),
        ),
        MarketingList(
            _id(seed, "list:leads"),
            "Wholesale enquiries",
            "lead",
            False,
            tuple(record.id for record in population.leads),
        ),
        MarketingList(
            _id(seed, "list:accounts"),
            "Café and retail accounts",
            "account",
            False,
            tuple(record.id for record in population.accounts),
        ),
        MarketingList(
            _id(seed, "list:dach"),
            "Contacts in Germany, Austria and Switzerland",
            "contact",
            True,
            fetch_xml=dynamic_fetch_xml(DYNAMIC_COUNTRIES),
        ),
    )
    return Marketing(lists, _id(seed, "campaign"), CAMPAIGN_NAME)


def dynamic_fetch_xml(countries: tuple[str, ...]) -> str:
    """The query D365's list designer saves for "contacts in these countries"."""
    values = "".join(f"<value>{escape(country)}</value>" for country in countries)
    return (
        '<fetch version="1.0" output-format="xml-platform" mapping="logical" '
        'distinct="false"><entity name="contact"><attribute name="fullname" />'
        '<attribute name="contactid" /><order attribute="fullname" '
        'descending="false" /><filter type="and"><condition '
        f'attribute="address1_country" operator="in">{values}</condition>'
        "</filter></entity></fetch>"
    )


def write_marketing(api: AdminWebApi, marketing: Marketing) -> None:
    """Creates the lists, their static members and the campaign they are attached to."""
    for item in marketing.lists:
        row = {
            "listid": item.id,
            "listname": item.name,
            "type": item.dynamic,
            "createdfromcode": MEMBER_TYPES[item.member_table],
        }

        if item.dynamic:
            row["query"] = item.fetch_xml

        api.create("lists", row)

        if item.member_ids:
            api.add_list_members(item.id, item.member_ids)

    api.create(
        "campaigns",
        {
            "campaignid": marketing.campaign_id,
            "name": marketing.campaign_name,
            "codename": "REWARDS-LAUNCH",
            "typecode": 2,
            "description": "Launch of the Contoso Rewards loyalty programme by email.",
        },
    )

    for item in marketing.lists:
        api.add_list_to_campaign(marketing.campaign_id, item.id)

    logger.info(
        "seeded %s marketing lists on campaign %s",
        len(marketing.lists),
        marketing.campaign_name,
    )


def _id(seed: int, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{name}"))
