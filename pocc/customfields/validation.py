"""Checking mappings against the tables they name, before anything is imported.

A mapping is refused, with a message that names it, when:

- it is the 25th (or later) active mapping of its table: Constant Contact takes at
  most 25 custom fields per contact, and pocc keeps to 24 per table;
- its table has no such column, or the column cannot be read;
- the column's type has no single value a custom field could hold (`columns`);
- it names no Constant Contact field, or the same field as another mapping of its
  table (one value would silently overwrite the other).

A job that finds any problem fails before it imports, with every problem in its
error; `python -m pocc customfields check` prints the same list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pocc.customfields.columns import CARRIED, Attribute, Carriage, read_columns
from pocc.customfields.mappings import Mapping
from pocc.dataverse import DataverseClient
from pocc.errors import PoccError

logger = logging.getLogger(__name__)

MAX_PER_TABLE = 24

ColumnReader = Callable[[DataverseClient, str], dict[str, Attribute]]


@dataclass(frozen=True)
class Problem:
    mapping: Mapping
    message: str

    def __str__(self) -> str:
        return f"{self.mapping.label}: {self.message}"


class CustomFieldError(PoccError):
    """Some custom field mappings cannot be used; the message lists each and why."""

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.problems = [str(problem) for problem in problems]
        listed = "; ".join(self.problems)
        super().__init__(
            f"{len(self.problems)} custom field mapping(s) need fixing before pocc "
            f"imports contacts: {listed}. Correct or deactivate them under Custom "
            "Field Mappings, then run the job again."
        )


@dataclass(frozen=True)
class Checked:
    """A mapping that passed: its column and how that column travels."""

    mapping: Mapping
    attribute: Attribute
    carriage: Carriage


def check_mappings(
    dataverse: DataverseClient,
    mappings: Sequence[Mapping],
    read: ColumnReader = read_columns,
) -> tuple[list[Checked], list[Problem]]:
    """(the usable mappings, the problems), each mapping in exactly one of them."""
    checked: list[Checked] = []
    problems: list[Problem] = []
    columns: dict[str, dict[str, Attribute]] = {}
    counts: dict[str, int] = {}
    field_names: dict[tuple[str, str], Mapping] = {}

    for mapping in mappings:
        problem = _shape_problem(mapping)

        if problem is None:
            table = str(mapping.table)
            counts[table] = counts.get(table, 0) + 1
            problem = _count_problem(mapping, counts[table])

        if problem is None:
            key = (table, mapping.wanted_cc_name.lower())
            problem = _shared_field_problem(mapping, field_names.get(key))
            field_names.setdefault(key, mapping)

        if problem is None:
            if table not in columns:
                columns[table] = read(dataverse, table)

            attribute = columns[table].get(mapping.column)
            problem = _column_problem(mapping, attribute)

        if problem is not None:
            logger.warning("custom field mapping refused: %s", problem)
            problems.append(problem)
            continue

        assert attribute is not None
        checked.append(Checked(mapping, attribute, CARRIED[attribute.type_name]))

    return checked, problems


def _shape_problem(mapping: Mapping) -> Problem | None:
    if mapping.table is None:
        return Problem(mapping, "choose the table (account, contact or lead)")

    if not mapping.column:
        return Problem(mapping, "enter the logical name of the column to map")

    if not mapping.wanted_cc_name:
        return Problem(mapping, "enter the Constant Contact field name")

    return None


def _count_problem(mapping: Mapping, number: int) -> Problem | None:
    if number <= MAX_PER_TABLE:
        return None

    return Problem(
        mapping,
        f"it is mapping number {number} for {mapping.table}; at most "
        f"{MAX_PER_TABLE} columns of a table can be mapped (Constant Contact "
        "takes 25 custom fields per contact)",
    )


def _shared_field_problem(mapping: Mapping, holder: Mapping | None) -> Problem | None:
    if holder is None:
        return None

    return Problem(
        mapping,
        f"the Constant Contact field {mapping.wanted_cc_name} already receives "
        f"{holder.table}.{holder.column}; map each field once per table",
    )


def _column_problem(mapping: Mapping, attribute: Attribute | None) -> Problem | None:
    if attribute is None:
        return Problem(mapping, f"{mapping.table} has no column {mapping.column}")

    if not attribute.readable:
        return Problem(mapping, f"the column {mapping.column} cannot be read")

    if attribute.type_name not in CARRIED:
        return Problem(
            mapping,
            f"{mapping.column} is a {attribute.type_name} column, which cannot be "
            "carried to a Constant Contact custom field",
        )

    return None
