"""The `Prefer` request header, as Dataverse reads it, and `Preference-Applied`.

Dataverse honours `odata.maxpagesize`, `odata.include-annotations`,
`return=representation` and `odata.continue-on-error`; anything else is ignored,
as an OData service may. Several `Prefer` headers may arrive joined by commas.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Dataverse's default and largest page (notes 2.5).
MAX_PAGE_SIZE = 5000

FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue"
LOOKUP_LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
ASSOCIATED_NAVIGATION_PROPERTY = "Microsoft.Dynamics.CRM.associatednavigationproperty"
TOTAL_RECORD_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount"
TOTAL_RECORD_COUNT_LIMIT_EXCEEDED = (
    "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
)
FETCHXML_PAGING_COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
MORE_RECORDS = "Microsoft.Dynamics.CRM.morerecords"

# One preference: a token, optionally `=value` where value may be quoted (and then
# may hold commas, as a list of annotation patterns does).
_PREFERENCE = re.compile(r'\s*([^=,;\s]+)\s*(?:=\s*("[^"]*"|[^,;]*))?[^,]*')


@dataclass(frozen=True)
class Preferences:
    """What a request asked for in its `Prefer` header(s)."""

    max_page_size: int | None = None
    # Annotation patterns: "*", "Namespace.*", "Namespace.term"; "-pattern" excludes.
    include_annotations: tuple[str, ...] = ()
    return_representation: bool = False
    continue_on_error: bool = False

    @classmethod
    def parse(cls, header: str | None) -> Preferences:
        if not header:
            return cls()

        values = _preference_values(header)
        return cls(
            max_page_size=_page_size(values.get("odata.maxpagesize")),
            include_annotations=_patterns(values.get("odata.include-annotations")),
            return_representation=values.get("return") == "representation",
            continue_on_error="odata.continue-on-error" in values,
        )

    def wants(self, annotation: str) -> bool:
        """Whether `annotation` (a full term name) was asked for."""
        namespace = annotation.rsplit(".", 1)[0]
        wanted = False

        for pattern in self.include_annotations:
            excluded = pattern.startswith("-")
            term = pattern.removeprefix("-")
            matches = term in ("*", annotation) or term == f"{namespace}.*"

            if matches and excluded:
                return False

            wanted = wanted or matches

        return wanted

    def page_size(self) -> int:
        """The page to serve: the requested size within Dataverse's limit."""
        if self.max_page_size is None:
            return MAX_PAGE_SIZE

        return min(self.max_page_size, MAX_PAGE_SIZE)

    def applied(self, collection: bool = True) -> str | None:
        """The `Preference-Applied` header for a response, or None when none applied.

        `collection` says whether the response was a collection read, the only kind
        a page size applies to.
        """
        applied = []

        if self.include_annotations:
            applied.append(
                f'odata.include-annotations="{",".join(self.include_annotations)}"'
            )

        if collection and self.max_page_size is not None:
            applied.append(f"odata.maxpagesize={self.page_size()}")

        if self.return_representation:
            applied.append("return=representation")

        if self.continue_on_error:
            applied.append("odata.continue-on-error")

        return ",".join(applied) or None


def _preference_values(header: str) -> dict[str, str]:
    values: dict[str, str] = {}

    for match in _PREFERENCE.finditer(header):
        name = match.group(1).lower()
        value = (match.group(2) or "").strip().strip('"')
        values.setdefault(name, value)

    return values


def _page_size(value: str | None) -> int | None:
    if value is None:
        return None

    try:
        size = int(value)
    except ValueError:
        logger.debug("ignoring malformed odata.maxpagesize %r", value)
        return None

    return size if size > 0 else None


def _patterns(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()

    return tuple(item.strip() for item in value.split(",") if item.strip())
