"""The OData system query options of a read, parsed and checked against the schema.

`$select`, `$filter`, `$orderby`, `$top`, `$count`, `$expand` (with its nested
options in parentheses, separated by `;`) and `$skiptoken`. Dataverse refuses
`$skip` and `$search` on the Web API; parameter aliases (`@p1`) feed `$filter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pocc.sandbox.dataverse import odata_errors
from pocc.sandbox.dataverse.filter_tree import Node
from pocc.sandbox.dataverse.model import Column, Schema, Table
from pocc.sandbox.dataverse.odata_filter import parse_filter, resolve_column
from pocc.sandbox.dataverse.relations import Navigation, resolve_navigation

SUPPORTED = frozenset(
    {"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken"}
)
# Dataverse allows at most 15 expanded navigation properties per query (notes 2.6).
MAX_EXPANDS = 15
NESTED_EXPAND_RULE = (
    "Only $select and $filter clause can be provided while doing $expand on "
    "many-to-one relationship or nested one-to-many relationship."
)


@dataclass(frozen=True)
class OrderKey:
    column: Column
    descending: bool = False


@dataclass
class QueryOptions:
    select: tuple[Column, ...] | None = None
    filter: Node | None = None
    order: tuple[OrderKey, ...] = ()
    top: int | None = None
    count: bool = False
    expand: tuple[Expansion, ...] = ()
    skiptoken: str | None = None


@dataclass
class Expansion:
    navigation: Navigation
    options: QueryOptions = field(default_factory=QueryOptions)


def parse_options(
    options: Mapping[str, str], table: Table, schema: Schema
) -> QueryOptions:
    """The checked query options of a read of `table`."""
    aliases = {name: value for name, value in options.items() if name.startswith("@")}

    for name in options:
        if name.startswith("$") and name not in SUPPORTED:
            raise odata_errors.query_error(
                f"The query parameter {name} is not supported"
            )

    return _parse(options, table, schema, aliases)


def _parse(
    options: Mapping[str, str],
    table: Table,
    schema: Schema,
    aliases: Mapping[str, str],
) -> QueryOptions:
    parsed = QueryOptions(skiptoken=options.get("$skiptoken"))

    if "$select" in options:
        parsed.select = parse_select(options["$select"], table)

    if options.get("$filter"):
        parsed.filter = parse_filter(options["$filter"], table, schema, aliases)

    if options.get("$orderby"):
        parsed.order = parse_orderby(options["$orderby"], table)

    if "$top" in options:
        parsed.top = _non_negative(options["$top"], "$top")

    parsed.count = _count(options.get("$count", "false"))

    if options.get("$expand"):
        parsed.expand = parse_expand(options["$expand"], table, schema, aliases)

    return parsed


def parse_select(text: str, table: Table) -> tuple[Column, ...]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    return tuple(resolve_column(table, name) for name in names)


def parse_orderby(text: str, table: Table) -> tuple[OrderKey, ...]:
    keys = []

    for item in split_top_level(text, ","):
        words = item.split()

        if not words or len(words) > 2 or words[-1] not in ("asc", "desc", words[0]):
            raise odata_errors.syntax_error(text, text.find(item))

        descending = len(words) == 2 and words[1] == "desc"
        keys.append(OrderKey(resolve_column(table, words[0]), descending))

    return tuple(keys)


def parse_expand(
    text: str, table: Table, schema: Schema, aliases: Mapping[str, str]
) -> tuple[Expansion, ...]:
    expansions = []

    for item in split_top_level(text, ","):
        name, _, inner = item.partition("(")

        if inner and not inner.endswith(")"):
            raise odata_errors.syntax_error(text, text.find(item))

        navigation = resolve_navigation(schema, table, name.strip())
        nested = _nested_options(inner[:-1]) if inner else {}
        options = _parse(nested, navigation.target, schema, aliases)
        _check_nested(navigation, options)
        expansions.append(Expansion(navigation, options))

    if len(expansions) > MAX_EXPANDS:
        raise odata_errors.query_error(
            f"Number of expands in the query exceeded the limit of {MAX_EXPANDS}."
        )

    return tuple(expansions)


def _nested_options(text: str) -> dict[str, str]:
    options = {}

    for part in split_top_level(text, ";"):
        name, equals, value = part.partition("=")

        if not equals or name.strip() not in (
            "$select",
            "$filter",
            "$orderby",
            "$top",
            "$expand",
        ):
            raise odata_errors.query_error(
                f"The query parameter {name.strip()} is not supported inside $expand"
            )

        options[name.strip()] = value.strip()

    return options


def _check_nested(navigation: Navigation, options: QueryOptions) -> None:
    """Dataverse's limits on what an expansion may hold (notes 2.6)."""
    orders_or_limits = bool(options.order) or options.top is not None

    if orders_or_limits and (not navigation.is_collection or options.expand):
        raise odata_errors.query_error(NESTED_EXPAND_RULE)


def split_top_level(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside parentheses, brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0

    for index, character in enumerate(text):
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"":
            quote = character
        elif character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        elif character == separator and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1

    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _count(text: str) -> bool:
    if text.strip().lower() not in ("true", "false"):
        raise odata_errors.query_error(f"'{text[:100]}' is not a valid count option.")

    return text.strip().lower() == "true"


def _non_negative(text: str, name: str) -> int:
    # OData reads the value as a 64-bit integer; longer digit strings are refused.
    digits = text.strip()
    significant = digits.lstrip("0") or "0"
    is_number = digits.isascii() and digits.isdigit() and len(significant) < 20

    if not is_number or int(significant) >= 2**63:
        raise odata_errors.query_error(
            f"Invalid value '{text[:100]}' for {name} query option found. The "
            f"{name} query option requires a non-negative integer value."
        )

    return int(significant)
