"""The expression tree a `$filter` parses into, and the EDM types it is checked with.

Every property in the tree is a schema `Column`, and every literal already holds the
value as storage keeps it (0/1 for booleans, lower-case GUIDs, UTC `...Z` text for
date-times), so `filter_sql` only has to arrange bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pocc.sandbox.dataverse.edm import edm_type
from pocc.sandbox.dataverse.model import Column, OneToMany

NUMERIC_EDM = frozenset({"Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"})
TEMPORAL_EDM = frozenset({"Edm.DateTimeOffset", "Edm.Date"})

# OData's names for the comparison operators, as its error messages spell them.
OPERATOR_KINDS = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}


def comparable(left: str, right: str) -> bool:
    """Whether OData lets two operand types meet in a comparison."""
    if "null" in (left, right) or left == right:
        return True

    if left in NUMERIC_EDM and right in NUMERIC_EDM:
        return True

    return left in TEMPORAL_EDM and right in TEMPORAL_EDM


@dataclass(frozen=True)
class PropertyRef:
    """A column of the queried row, or of the row a single-valued lookup points at."""

    column: Column
    # Set when the path went through a lookup (`primarycontactid/fullname`).
    navigation: OneToMany | None = None
    target_primary_id: str | None = None

    @property
    def edm(self) -> str:
        return edm_type(self.column)

    @property
    def is_text(self) -> bool:
        return self.edm == "Edm.String"


@dataclass(frozen=True)
class Literal:
    value: Any
    edm: str


@dataclass(frozen=True)
class Comparison:
    operator: str
    left: PropertyRef | Literal
    right: PropertyRef | Literal


@dataclass(frozen=True)
class Logical:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Negation:
    operand: Node


@dataclass(frozen=True)
class TextMatch:
    """contains / startswith / endswith, case-insensitive with SQL wildcards kept."""

    function: str
    target: PropertyRef
    pattern: str


@dataclass(frozen=True)
class Membership:
    """Microsoft.Dynamics.CRM.In / NotIn."""

    target: PropertyRef
    values: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True)
class Range:
    """Microsoft.Dynamics.CRM.Between / NotBetween (both ends included)."""

    target: PropertyRef
    low: Any
    high: Any
    negated: bool = False


@dataclass(frozen=True)
class NullTest:
    """Microsoft.Dynamics.CRM.Null / NotNull."""

    target: PropertyRef
    negated: bool = False


Node = Comparison | Logical | Negation | TextMatch | Membership | Range | NullTest
