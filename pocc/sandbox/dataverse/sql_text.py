"""Pieces of SQL text for the query modules, built so client text cannot become SQL.

Identifiers only ever come from the schema and are checked against
`model.LOGICAL_NAME` before they are quoted; every value a client sent travels as
a bound parameter inside a `Fragment`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pocc.sandbox.dataverse.model import LOGICAL_NAME
from pocc.sandbox.dataverse.store import quote


def identifier(name: str) -> str:
    """The quoted SQL identifier of a schema name; refuses anything else."""
    return quote(name)


def column_ref(alias: str, name: str) -> str:
    """`alias."column"`: the alias is one the query modules made up themselves."""
    if not LOGICAL_NAME.match(alias):
        raise ValueError(f"not a query alias: {alias!r}")

    return f"{alias}.{identifier(name)}"


@dataclass
class Fragment:
    """SQL text with its `?` placeholders and the values bound to them, in order."""

    text: str
    params: list[Any] = field(default_factory=list)

    @staticmethod
    def join(separator: str, fragments: Iterable[Fragment]) -> Fragment:
        items = list(fragments)
        params = [value for item in items for value in item.params]
        return Fragment(separator.join(item.text for item in items), params)

    def prefixed(self, prefix: str) -> Fragment:
        return Fragment(f"{prefix}{self.text}", list(self.params))

    def wrapped(self) -> Fragment:
        return Fragment(f"({self.text})", list(self.params))


TRUE = Fragment("1 = 1")
FALSE = Fragment("1 = 0")


def statement(*clauses: Fragment | str) -> Fragment:
    """One statement from clauses in order; empty clauses are left out."""
    parts = [
        clause if isinstance(clause, Fragment) else Fragment(clause)
        for clause in clauses
    ]
    return Fragment.join("\n", (part for part in parts if part.text))
