"""The rules of Microsoft's Fetch.xsd (set 9.0.0.2090) for a `<fetch>` document.

Dataverse validates FetchXML against that schema before it reads a row. The
sandbox must not need the reference XSD at run time, so its rules are written out
here: which children and attributes each element may have, which attributes are
required, and the type of each attribute's value. A test checks that this
validator and the real XSD agree on a set of valid and invalid documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pocc.sandbox.dataverse.errors import INVALID_ARGUMENT, DataverseError

_BOOLEAN = frozenset({"true", "false", "1", "0"})
_INTEGER = re.compile(r"^[+-]?\d+$")

OPERATORS = frozenset(
    [
        "eq",
        "neq",
        "ne",
        "gt",
        "ge",
        "le",
        "lt",
        "like",
        "not-like",
        "in",
        "not-in",
        "between",
        "not-between",
        "null",
        "not-null",
        "yesterday",
        "today",
        "tomorrow",
        "last-seven-days",
        "next-seven-days",
        "last-week",
        "this-week",
        "next-week",
        "last-month",
        "this-month",
        "next-month",
        "on",
        "on-or-before",
        "on-or-after",
        "last-year",
        "this-year",
        "next-year",
        "last-x-hours",
        "next-x-hours",
        "last-x-days",
        "next-x-days",
        "last-x-weeks",
        "next-x-weeks",
        "last-x-months",
        "next-x-months",
        "olderthan-x-months",
        "olderthan-x-years",
        "olderthan-x-weeks",
        "olderthan-x-days",
        "olderthan-x-hours",
        "olderthan-x-minutes",
        "last-x-years",
        "next-x-years",
        "eq-userid",
        "ne-userid",
        "eq-userteams",
        "eq-useroruserteams",
        "eq-useroruserhierarchy",
        "eq-useroruserhierarchyandteams",
        "eq-businessid",
        "ne-businessid",
        "eq-userlanguage",
        "this-fiscal-year",
        "this-fiscal-period",
        "next-fiscal-year",
        "next-fiscal-period",
        "last-fiscal-year",
        "last-fiscal-period",
        "last-x-fiscal-years",
        "last-x-fiscal-periods",
        "next-x-fiscal-years",
        "next-x-fiscal-periods",
        "in-fiscal-year",
        "in-fiscal-period",
        "in-fiscal-period-and-year",
        "in-or-before-fiscal-period-and-year",
        "in-or-after-fiscal-period-and-year",
        "begins-with",
        "not-begin-with",
        "ends-with",
        "not-end-with",
        "under",
        "eq-or-under",
        "not-under",
        "above",
        "eq-or-above",
        "contain-values",
        "not-contain-values",
    ]
)


def _any(value: str) -> bool:
    return True


def _boolean(value: str) -> bool:
    return value.strip() in _BOOLEAN


def _integer(value: str) -> bool:
    return bool(_INTEGER.match(value.strip()))


def _integer_or_empty(value: str) -> bool:
    return value == "" or _integer(value)


def _one_of(*allowed: str) -> Callable[[str], bool]:
    choices = frozenset(allowed)
    return lambda value: value.strip() in choices


def _members(choices: frozenset[str]) -> Callable[[str], bool]:
    return lambda value: value.strip() in choices


AGGREGATE = _one_of("count", "countcolumn", "sum", "avg", "min", "max")
FETCH_BOOL = _one_of("true", "false", "1", "0")


@dataclass(frozen=True)
class ElementRule:
    children: frozenset[str] = frozenset()
    attributes: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    text: bool = False


_ATTRIBUTE = ElementRule(
    attributes={
        "name": _any,
        "build": _one_of("1.504021", "1.003017"),
        "addedby": _any,
        "alias": _any,
        "aggregate": AGGREGATE,
        "groupby": FETCH_BOOL,
        "dategrouping": _one_of(
            "day", "week", "month", "quarter", "year", "fiscal-period", "fiscal-year"
        ),
        "usertimezone": FETCH_BOOL,
        "distinct": FETCH_BOOL,
    },
    required=frozenset({"name"}),
)

RULES: dict[str, ElementRule] = {
    "fetch": ElementRule(
        children=frozenset({"entity", "order"}),
        attributes={
            "version": _any,
            "count": _integer,
            "page": _integer,
            "paging-cookie": _any,
            "utc-offset": _integer_or_empty,
            "aggregate": _boolean,
            "distinct": _boolean,
            "top": _integer,
            "mapping": _one_of("internal", "logical"),
            "min-active-row-version": _boolean,
            "output-format": _one_of(
                "xml-ado", "xml-auto", "xml-elements", "xml-raw", "xml-platform"
            ),
            "returntotalrecordcount": _boolean,
            "no-lock": _boolean,
        },
    ),
    "entity": ElementRule(
        children=frozenset(
            {"all-attributes", "attribute", "order", "link-entity", "filter"}
        ),
        attributes={
            "name": _any,
            "enableprefiltering": _boolean,
            "prefilterparametername": _any,
        },
        required=frozenset({"name"}),
    ),
    "link-entity": ElementRule(
        children=frozenset(
            {"all-attributes", "attribute", "order", "filter", "link-entity"}
        ),
        attributes={
            "name": _any,
            "to": _any,
            "from": _any,
            "alias": _any,
            "link-type": _any,
            "visible": _boolean,
            "intersect": _boolean,
            "enableprefiltering": _boolean,
            "prefilterparametername": _any,
        },
        required=frozenset({"name"}),
    ),
    "attribute": _ATTRIBUTE,
    "all-attributes": ElementRule(),
    "order": ElementRule(
        attributes={"attribute": _any, "alias": _any, "descending": _boolean}
    ),
    "filter": ElementRule(
        children=frozenset({"condition", "filter"}),
        attributes={"type": _one_of("and", "or"), "isquickfindfields": _boolean},
    ),
    "condition": ElementRule(
        children=frozenset({"value"}),
        attributes={
            "column": _any,
            "attribute": _any,
            "entityname": _any,
            "operator": _members(OPERATORS),
            "value": _any,
            "aggregate": AGGREGATE,
            "rowaggregate": _one_of("countchildren"),
            "alias": _any,
            "uiname": _any,
            "uitype": _any,
            "uihidden": lambda value: value in ("0", "1"),
        },
        required=frozenset({"operator"}),
    ),
    "value": ElementRule(attributes={"uiname": _any, "uitype": _any}, text=True),
}


def invalid(message: str) -> DataverseError:
    return DataverseError(400, INVALID_ARGUMENT, message)


def validate(root: Any) -> None:
    """Refuse a parsed document that Fetch.xsd would refuse, as Dataverse does."""
    if root.tag != "fetch":
        raise invalid(f"The '{root.tag}' element is not declared.")

    _validate(root)


def _validate(element: Any) -> None:
    rule = RULES[element.tag]

    for name, value in element.attrib.items():
        check = rule.attributes.get(name)

        if check is None:
            raise invalid(f"The '{name}' attribute is not declared.")

        if not check(value):
            raise invalid(
                f"The '{name}' attribute is invalid - The value '{value}' is invalid "
                "according to its datatype."
            )

    for name in sorted(rule.required - set(element.attrib)):
        raise invalid(f"The required attribute '{name}' is missing.")

    if not rule.text and _has_text(element):
        raise invalid(
            f"The element '{element.tag}' cannot contain text. Content model is "
            "element-only or empty."
        )

    for child in element:
        if not isinstance(child.tag, str):
            continue

        if child.tag not in rule.children:
            expected = ", ".join(sorted(rule.children))
            raise invalid(
                f"The element '{element.tag}' has invalid child element "
                f"'{child.tag}'. List of possible elements expected: '{expected}'."
            )

        _validate(child)


def _has_text(element: Any) -> bool:
    pieces = [element.text, *(child.tail for child in element)]
    return any(piece and piece.strip() for piece in pieces)
