"""Lazy iteration over every page of a Dataverse collection.

Dataverse answers at most `odata.maxpagesize` rows (5,000, the maximum) and adds
`@odata.nextLink` while more exist; the link is followed verbatim, with the same
`Prefer` header, until it is absent (reference notes, 2.5). Only one page is held at a
time. Two guards: a link already followed means the server is looping (a known
Dataverse bug, notes 2.5), and a link off the organisation's own API would carry
pocc's bearer token elsewhere; both stop with an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pocc.errors import UnexpectedResponseError, dataverse_failure

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 5000

# (url, params or None for a nextLink) -> the page's JSON object
FetchPage = Callable[[str, Mapping[str, str] | None], dict[str, Any]]


def iterate_rows(
    fetch_page: FetchPage,
    url: str,
    params: Mapping[str, str] | None,
    *,
    api_base: str,
    follow: bool = True,
) -> Iterator[dict[str, Any]]:
    """Every row of the collection at `url`, page by page."""
    followed: set[str] = set()
    page_number = 1

    while True:
        page = fetch_page(url, params)
        rows = page.get("value")

        if not isinstance(rows, list):
            raise _unexpected("a collection page without a 'value' list", url)

        logger.debug("page %s: %s rows", page_number, len(rows))
        next_link = page.get("@odata.nextLink") if follow else None
        del page

        yield from rows

        if not next_link:
            return

        _check_next_link(next_link, followed, api_base)
        followed.add(next_link)
        url, params = next_link, None
        page_number += 1


def _check_next_link(next_link: str, followed: set[str], api_base: str) -> None:
    if not next_link.startswith(api_base):
        raise _unexpected(
            "a next-page link outside the organisation's Web API; not following it",
            next_link,
        )

    if next_link in followed:
        raise _unexpected(
            "the same next-page link twice; stopping rather than loop", next_link
        )


def _unexpected(message: str, url: str) -> Exception:
    return dataverse_failure(
        UnexpectedResponseError,
        f"Dataverse answered {message}.",
        method="GET",
        path=url,
        doing="reading a collection page by page",
    )
