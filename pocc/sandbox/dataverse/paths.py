"""OData resource paths and entity references, parsed as Dataverse reads them.

A path after `/api/data/v9.2/` is a list of segments such as `contacts`,
`contacts(00000000-...)`, `pocc_campaigns(pocc_ccid='a''b')`, `listcontact_association`,
`$ref`, `$count` or `Microsoft.Dynamics.CRM.AddMemberList`. Key values are parsed by a
small scanner that honours quotes (with doubled quotes inside), so that `/`, `,`, `)`
and `=` inside a quoted value stay data.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from pocc.sandbox.dataverse import errors
from pocc.sandbox.patterns import GUID

GUID_KEY = re.compile(f"^{GUID}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
NAMESPACE = "Microsoft.Dynamics.CRM."
API_MARKER = "/api/data/v9.2/"


@dataclass(frozen=True)
class Segment:
    name: str
    # Inside the parentheses: one unnamed value (a GUID, or a Content-ID target),
    # or named values (alternate keys, function parameters). None without parentheses.
    key: str | dict[str, Any] | None = None
    has_parentheses: bool = False
    raw: str = ""

    @property
    def operation(self) -> str | None:
        """The action or function name when the segment names one."""
        if self.name.startswith(NAMESPACE):
            return self.name[len(NAMESPACE) :]

        return None


@dataclass
class ParsedPath:
    segments: list[Segment] = field(default_factory=list)

    @property
    def first(self) -> Segment | None:
        return self.segments[0] if self.segments else None


def split_segments(path: str) -> list[str]:
    """Split a decoded path on `/` outside quotes and parentheses."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_quote = False

    for character in path:
        if character == "'":
            in_quote = not in_quote
        elif not in_quote and character == "(":
            depth += 1
        elif not in_quote and character == ")":
            depth -= 1

        if character == "/" and depth == 0 and not in_quote:
            parts.append("".join(current))
            current = []
            continue

        current.append(character)

    parts.append("".join(current))
    return [part for part in parts if part != ""]


def parse_path(path: str) -> ParsedPath:
    """Parse a decoded resource path (without the `/api/data/v9.2/` prefix)."""
    return ParsedPath([parse_segment(part) for part in split_segments(path)])


def parse_segment(text: str) -> Segment:
    if "(" not in text:
        return Segment(name=text, raw=text)

    if not text.endswith(")"):
        raise errors.query_syntax(f"Bad Request - Error in query syntax: '{text}'.")

    name, _, inside = text[:-1].partition("(")
    return Segment(name=name, key=parse_key(inside), has_parentheses=True, raw=text)


def parse_key(inside: str) -> str | dict[str, Any]:
    """`<guid>` -> the lower-cased GUID; `a='x',b=1` -> {"a": "x", "b": 1}; `` -> {}."""
    inside = inside.strip()

    if not inside:
        return {}

    if GUID_KEY.match(inside):
        return inside.lower()

    parts = _split_outside_quotes(inside, ",")

    if len(parts) == 1 and "=" not in _unquoted(parts[0]):
        return _literal(parts[0])

    values: dict[str, Any] = {}

    for part in parts:
        name, separator, literal = part.partition("=")

        if not separator or not name.strip():
            raise errors.query_syntax(
                f"Bad Request - Error in query syntax: '{inside}'."
            )

        values[name.strip()] = _literal(literal.strip())

    return values


def _unquoted(text: str) -> str:
    """`text` with quoted runs removed, to look for syntax characters outside them."""
    return re.sub(r"'(?:[^']|'')*'", "", text)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    in_quote = False
    depth = 0

    for character in text:
        if character == "'":
            in_quote = not in_quote
        elif not in_quote and character in "([":
            depth += 1
        elif not in_quote and character in ")]":
            depth -= 1

        if character == separator and not in_quote and depth == 0:
            parts.append("".join(current))
            current = []
            continue

        current.append(character)

    parts.append("".join(current))
    return parts


def _literal(text: str) -> Any:
    """An OData literal: 'string' (with '' for '), GUID, number, true/false, null."""
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        body = text[1:-1]

        if re.search(r"(?<!')'(?!')", body.replace("''", "")):
            raise errors.query_syntax(f"Bad Request - Error in query syntax: '{text}'.")

        return body.replace("''", "'")

    if GUID_KEY.match(text):
        return text.lower()

    if NUMBER.match(text):
        return _number(text)

    lowered = text.lower()

    if lowered in ("true", "false"):
        return lowered == "true"

    if lowered == "null":
        return None

    if text.startswith("@"):
        return text

    raise errors.query_syntax(f"Bad Request - Error in query syntax: '{text}'.")


def _number(text: str) -> int | float:
    # Python refuses to read integers of more than 4,300 digits; Dataverse's parser
    # refuses such a literal too, as a syntax error.
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise errors.query_syntax(
            f"Bad Request - Error in query syntax: '{text[:100]}'."
        ) from None


def relative_reference(text: str) -> str:
    """An entity reference (`@odata.id`, `@odata.bind`) relative to the service root.

    Accepts an absolute URL (`https://org/api/data/v9.2/contacts(...)`), a rooted
    path (`/contacts(...)` or `/api/data/v9.2/contacts(...)`) or a relative one.
    """
    text = text.strip()

    if "://" in text:
        text = urlsplit(text).path

    if API_MARKER in text:
        text = text.split(API_MARKER, 1)[1]

    return unquote(text.lstrip("/"))


def is_guid(value: Any) -> bool:
    if not isinstance(value, str) or not GUID_KEY.match(value):
        return False

    return uuid.UUID(value) is not None
