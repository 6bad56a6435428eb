"""What every area of the Constant Contact client shares: one transport, JSON calls
and cursor paging.

Collections page by cursor: each answer's `_links.next.href` (relative, `/v3/...`
on the real service) names the next page, and is absent (or null, on reports) on the
last (reference notes, section 5). pocc follows the href verbatim and never builds a
cursor itself. Pages are fetched lazily as the caller iterates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from pocc.constantcontact.transport import Transport

logger = logging.getLogger(__name__)

# The largest page each collection allows (notes, section 5): fewer calls per row.
MAX_PAGE = 500


class ApiBase:
    """The shared plumbing; areas add public methods that name what pocc does."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def close(self) -> None:
        self._transport.close()

    def _get(
        self, path: str, doing: str, params: Mapping[str, Any] | None = None
    ) -> Any:
        response = self._transport.send("GET", path, doing=doing, params=params)
        return self._transport.json(response, path)

    def _write(
        self,
        method: str,
        path: str,
        doing: str,
        body: Any = None,
        *,
        idempotent: bool | None = None,
    ) -> Any:
        """A write; its JSON answer, or None when the service answers 204."""
        response = self._transport.send(
            method, path, doing=doing, body=body, idempotent=idempotent
        )

        if response.status_code == 204 or not response.content:
            return None

        return self._transport.json(response, path)

    def _items(
        self,
        path: str,
        key: str,
        doing: str,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item under `key` of every page, following `_links.next.href`."""
        href: str | None = path
        page = 0

        while href:
            page += 1
            body = self._get(href, f"{doing} (page {page})", params)
            items = body.get(key) if isinstance(body, dict) else None
            yield from items or []

            href = _next_href(body)
            # The href carries the cursor and every other parameter.
            params = None

        logger.debug("%s: %s pages", doing, page)


def segment(value: str) -> str:
    """An id as one path segment: nothing in it can change the path."""
    return quote(str(value), safe="")


def _next_href(body: Any) -> str | None:
    links = body.get("_links") if isinstance(body, dict) else None
    following = links.get("next") if isinstance(links, dict) else None
    href = following.get("href") if isinstance(following, dict) else None
    return href or None
