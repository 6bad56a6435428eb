"""The marketing lists attached to a D365 campaign, and every member of each.

Lists hang off the campaign through `campaignlist_association`. A static list's
members are read through the relationship for its member type (`createdfromcode`:
1 account, 2 contact, 4 lead); a dynamic list's are the rows its FetchXML `query`
selects now, as Dataverse evaluates it when a campaign is distributed. pocc adds the
columns it needs to that query and an order on the primary key (FetchXML paging needs
a stable order), and follows the paging cookie. Pages are 5,000 rows, held one at a
time.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from pocc.dataverse import DataverseClient, Query
from pocc.errors import PoccError

logger = logging.getLogger(__name__)

LISTS = "lists"
CAMPAIGNS = "campaigns"
LIST_COLUMNS = ("listid", "listname", "type", "query", "createdfromcode", "statecode")
_LOOKUP_PROPERTY = re.compile(r"^_(\w+)_value$")


@dataclass(frozen=True)
class MemberTable:
    logical_name: str
    entity_set: str
    primary_id: str
    relationship: str
    name_columns: tuple[str, ...]


MEMBER_TABLES = {
    1: MemberTable(
        "account", "accounts", "accountid", "listaccount_association", ("name",)
    ),
    2: MemberTable(
        "contact",
        "contacts",
        "contactid",
        "listcontact_association",
        ("firstname", "lastname"),
    ),
    4: MemberTable(
        "lead", "leads", "leadid", "listlead_association", ("firstname", "lastname")
    ),
}
TABLES_BY_NAME = {table.logical_name: table for table in MEMBER_TABLES.values()}


class MarketingListError(PoccError):
    """A marketing list pocc cannot read members from; the message says which."""


@dataclass(frozen=True)
class MarketingList:
    id: str
    name: str
    dynamic: bool
    member_table: MemberTable | None
    query: str | None
    active: bool


def campaign_lists(dataverse: DataverseClient, campaign_id: str) -> list[MarketingList]:
    """Every list attached to the campaign, in id order (so a resume reads alike)."""
    rows = dataverse.related(
        CAMPAIGNS,
        campaign_id,
        "campaignlist_association",
        Query(select=LIST_COLUMNS, orderby=["listid"]),
    )
    return [_marketing_list(row) for row in rows]


def _marketing_list(row: dict[str, Any]) -> MarketingList:
    return MarketingList(
        id=row["listid"],
        name=row.get("listname") or row["listid"],
        dynamic=bool(row.get("type")),
        member_table=MEMBER_TABLES.get(row.get("createdfromcode") or 0),
        query=row.get("query"),
        active=row.get("statecode") in (0, None),
    )


def list_members(
    dataverse: DataverseClient,
    marketing_list: MarketingList,
    columns: Sequence[str],
    page_size: int = 5000,
    formatted: bool = False,
) -> Iterator[dict[str, Any]]:
    """The list's member rows with `columns` (and the primary key), page by page.

    `columns` are Web API property names (a lookup as `_<column>_value`);
    `formatted` asks for display values too (choice labels, lookup names).
    """
    table = marketing_list.member_table

    if table is None:
        raise MarketingListError(
            f"The marketing list {marketing_list.name} targets neither accounts, "
            "contacts nor leads; pocc can only send to those."
        )

    wanted = list(dict.fromkeys([table.primary_id, *columns]))

    if marketing_list.dynamic:
        fetch_xml = member_fetch(marketing_list, table, wanted)
        return dataverse.fetch(
            table.entity_set, fetch_xml, page_size=page_size, annotations=formatted
        )

    query = Query(select=wanted, orderby=[table.primary_id])
    return dataverse.related(
        LISTS,
        marketing_list.id,
        table.relationship,
        query,
        page_size=page_size,
        annotations=formatted,
    )


def member_fetch(
    marketing_list: MarketingList, table: MemberTable, columns: Sequence[str]
) -> str:
    """The dynamic list's FetchXML with pocc's columns and a primary-key order."""
    if not marketing_list.query:
        raise MarketingListError(
            f"The dynamic marketing list {marketing_list.name} has no query; open it "
            "in Dynamics 365 and save its criteria."
        )

    try:
        fetch = SafeElementTree.fromstring(marketing_list.query)
    except (ElementTree.ParseError, DefusedXmlException):
        raise MarketingListError(
            f"The query of the dynamic marketing list {marketing_list.name} is not "
            "valid FetchXML; open the list in Dynamics 365 and save its criteria again."
        ) from None

    entity = fetch.find("entity")

    if fetch.tag != "fetch" or entity is None:
        raise MarketingListError(
            f"The query of the dynamic marketing list {marketing_list.name} has no "
            "<entity>; open the list in Dynamics 365 and save its criteria again."
        )

    if entity.get("name") != table.logical_name:
        raise MarketingListError(
            f"The dynamic marketing list {marketing_list.name} targets "
            f"{table.logical_name} but its query reads {entity.get('name')}."
        )

    _add_columns(entity, columns)

    # A count or page from the stored query would stop pocc's own paging short.
    for attribute in ("top", "count", "page", "paging-cookie"):
        fetch.attrib.pop(attribute, None)

    return ElementTree.tostring(fetch, encoding="unicode")


def _add_columns(entity: ElementTree.Element, columns: Sequence[str]) -> None:
    if entity.find("all-attributes") is None:
        present = {element.get("name") for element in entity.findall("attribute")}

        for property_name in columns:
            name = fetch_attribute(property_name)

            if name not in present:
                ElementTree.SubElement(entity, "attribute", {"name": name})

    orders = entity.findall("order")
    primary = columns[0]

    # FetchXML pages by the order; ending it on the primary key makes it stable.
    if not any(order.get("attribute") == primary for order in orders):
        ElementTree.SubElement(entity, "order", {"attribute": primary})


def fetch_attribute(property_name: str) -> str:
    """FetchXML names a lookup by its column (`parentcustomerid`), where the Web API's
    `$select` and JSON use `_parentcustomerid_value`."""
    matched = _LOOKUP_PROPERTY.match(property_name)
    return matched.group(1) if matched else property_name
