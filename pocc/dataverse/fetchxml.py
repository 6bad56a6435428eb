"""FetchXML queries over the Web API, every page, with Dataverse's paging cookie.

`GET /<entity set>?fetchXml=<fetch ...>` returns one page of `count` rows. With
`Prefer: odata.include-annotations` naming the paging annotations, the answer carries
`@Microsoft.Dynamics.CRM.morerecords` and `...fetchxmlpagingcookie`, an XML
`<cookie pagingcookie="...">` whose attribute is URL-encoded twice. The next page is
the same fetch with `page` + 1 and that cookie, decoded, in `paging-cookie`
(reference notes, 2.5). A fetch with `top` or an aggregate is answered in one page.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from pocc.dataverse.paging import MAX_PAGE_SIZE
from pocc.errors import InvalidRequestError, UnexpectedResponseError, dataverse_failure

logger = logging.getLogger(__name__)

PAGING_ANNOTATIONS = (
    "Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"
)
_COOKIE = "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
_MORE = "@Microsoft.Dynamics.CRM.morerecords"

# (entity set, fetch XML text) -> the page's JSON object
FetchPage = Callable[[str, str], Mapping[str, Any]]


def iterate_fetch(
    fetch_page: FetchPage,
    entity_set: str,
    fetch_xml: str,
    page_size: int = MAX_PAGE_SIZE,
) -> Iterator[dict[str, Any]]:
    """Every row the FetchXML selects, one page held at a time."""
    fetch = _parse_fetch(fetch_xml)
    pageable = fetch.get("top") is None and fetch.get("aggregate") != "true"

    if pageable:
        fetch.set("count", str(min(page_size, MAX_PAGE_SIZE)))
        fetch.attrib.pop("paging-cookie", None)

    page_number = 1
    cookies_seen: set[str] = set()

    while True:
        if pageable:
            fetch.set("page", str(page_number))

        page = fetch_page(entity_set, ElementTree.tostring(fetch, encoding="unicode"))
        yield from page.get("value", [])

        if not pageable or not page.get(_MORE):
            return

        cookie = paging_cookie(page.get(_COOKIE))

        if cookie is not None:
            if cookie in cookies_seen:
                raise _unexpected("the same paging cookie twice", entity_set)

            cookies_seen.add(cookie)
            fetch.set("paging-cookie", cookie)

        page_number += 1


def paging_cookie(annotation: str | None) -> str | None:
    """The `paging-cookie` value for the next page, from the page's annotation."""
    if not annotation:
        return None

    try:
        element = SafeElementTree.fromstring(annotation)
    except (ElementTree.ParseError, DefusedXmlException):
        raise _unexpected("a paging cookie that is not XML", "fetchXml") from None

    encoded = element.get("pagingcookie")

    if not encoded:
        return None

    return unquote(unquote(encoded))


def _parse_fetch(fetch_xml: str) -> ElementTree.Element:
    try:
        fetch = SafeElementTree.fromstring(fetch_xml)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise _invalid(f"the FetchXML is not well-formed XML ({error})") from None

    if fetch.tag != "fetch":
        raise _invalid(f"FetchXML must start with <fetch>, not <{fetch.tag}>")

    return fetch


def _invalid(message: str) -> Exception:
    return dataverse_failure(
        InvalidRequestError, message + ".", doing="preparing a FetchXML query"
    )


def _unexpected(message: str, where: str) -> Exception:
    return dataverse_failure(
        UnexpectedResponseError,
        f"Dataverse answered {message}.",
        method="GET",
        path=where,
        doing="reading FetchXML results page by page",
    )
