"""`$filter` and `$select` for the metadata API (`EntityDefinitions` and below).

Metadata queries accept a small part of OData: comparisons (`eq`, `ne`, `gt`, `ge`,
`lt`, `le`) of a property with a literal, joined by `and`, `or`, `not` and
parentheses. Properties may reach into complex values (`RequiredLevel/Value`), and
enum literals carry their type (`Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`).
Definitions are small in-memory lists, so the tree is evaluated in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pocc.sandbox.dataverse import errors, odata_errors
from pocc.sandbox.patterns import GUID

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

TOKEN = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))"
    r"|(?P<enum>[A-Za-z][\w.]*'(?:[^']|'')*')"
    r"|(?P<string>'(?:[^']|'')*')"
    r"|(?P<number>-?\d+(?:\.\d+)?(?![\w-]))"
    rf"|(?P<guid>{GUID})"
    r"|(?P<name>[A-Za-z_][\w/]*))"
)
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda left, right: left == right,
    "ne": lambda left, right: left != right,
    "gt": lambda left, right: left is not None and right is not None and left > right,
    "ge": lambda left, right: left is not None and right is not None and left >= right,
    "lt": lambda left, right: left is not None and right is not None and left < right,
    "le": lambda left, right: left is not None and right is not None and left <= right,
}
KEYWORDS = {"true": True, "false": False, "null": None}


def parse_filter(text: str, type_name: str, properties: set[str]) -> Predicate:
    """A predicate for `text`; unknown properties and bad syntax are refused."""
    tokens = _tokenize(text)
    parser = _Parser(text, tokens, type_name, properties)
    predicate = parser.expression()

    if parser.position < len(tokens):
        raise odata_errors.syntax_error(text, tokens[parser.position][2])

    return predicate


def select(row: Row, names: list[str] | None, type_name: str, keep: set[str]) -> Row:
    """`row` cut to `names` (plus `keep`, e.g. MetadataId); unknown names refused."""
    if not names:
        return row

    for name in names:
        if name not in row:
            raise errors.unknown_property(type_name, name)

    kept = keep | set(names)
    return {name: value for name, value in row.items() if name in kept}


def select_list(text: str | None) -> list[str] | None:
    if not text:
        return None

    return [name.strip() for name in text.split(",") if name.strip()]


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    position = 0

    while position < len(text):
        if text[position:].strip() == "":
            break

        match = TOKEN.match(text, position)

        if match is None or match.end() == position:
            raise odata_errors.syntax_error(text, position)

        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()

    return tokens


class _Parser:
    def __init__(
        self,
        text: str,
        tokens: list[tuple[str, str, int]],
        type_name: str,
        properties: set[str],
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.type_name = type_name
        self.properties = properties
        self.position = 0

    def expression(self) -> Predicate:
        left = self.conjunction()

        while self._keyword("or"):
            right = self.conjunction()
            left = _either(left, right)

        return left

    def conjunction(self) -> Predicate:
        left = self.factor()

        while self._keyword("and"):
            right = self.factor()
            left = _both(left, right)

        return left

    def factor(self) -> Predicate:
        if self._keyword("not"):
            inner = self.factor()
            return lambda row: not inner(row)

        if self._peek("open"):
            self.position += 1
            inner = self.expression()
            self._expect("close")
            return inner

        return self.comparison()

    def comparison(self) -> Predicate:
        path = self._expect("name").split("/")

        if path[0] not in self.properties:
            raise errors.unknown_property(self.type_name, path[0])

        operator = self._expect("name")

        if operator not in COMPARISONS:
            raise odata_errors.syntax_error(
                self.text, self.tokens[self.position - 1][2]
            )

        literal = self._literal()
        compare = COMPARISONS[operator]
        return lambda row: compare(_value(row, path), literal)

    def _literal(self) -> Any:
        if self.position >= len(self.tokens):
            raise odata_errors.syntax_error(self.text, len(self.text))

        kind, value, start = self.tokens[self.position]
        self.position += 1

        if kind == "string":
            return value[1:-1].replace("''", "'")

        if kind == "enum":
            return value[value.index("'") + 1 : -1].replace("''", "'")

        if kind == "number":
            return float(value) if "." in value else int(value)

        if kind == "guid":
            return value.lower()

        if kind == "name" and value in KEYWORDS:
            return KEYWORDS[value]

        raise odata_errors.syntax_error(self.text, start)

    def _keyword(self, word: str) -> bool:
        if self._peek("name") and self.tokens[self.position][1] == word:
            self.position += 1
            return True

        return False

    def _peek(self, kind: str) -> bool:
        return (
            self.position < len(self.tokens) and self.tokens[self.position][0] == kind
        )

    def _expect(self, kind: str) -> str:
        if not self._peek(kind):
            at = (
                self.tokens[self.position][2]
                if self.position < len(self.tokens)
                else len(self.text)
            )
            raise odata_errors.syntax_error(self.text, at)

        self.position += 1
        return self.tokens[self.position - 1][1]


def _value(row: Row, path: list[str]) -> Any:
    value: Any = row

    for name in path:
        value = value.get(name) if isinstance(value, dict) else None

    return value


def _either(left: Predicate, right: Predicate) -> Predicate:
    return lambda row: left(row) or right(row)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda row: left(row) and right(row)
