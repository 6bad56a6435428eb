"""Making sure each mapped Constant Contact custom field exists, with a fitting type.

Constant Contact addresses a field in imports by its system `name` (`cf:<name>`),
which it makes from the label given at creation (reference notes, 6.3), and silently
drops values for a name it does not know. So before an import pocc finds each
mapping's field, by the id stored on the mapping, else by name or label (without
regard to case); creates it when missing, labelled as the mapping asks and typed for
its column (`columns.CARRIED`); and refuses a field whose type does not fit the
column. The field's id, system name and type are written back to the mapping, so
later jobs, and Send without a Constant Contact lookup, use the right name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from pocc.customfields.columns import CustomField
from pocc.customfields.mappings import CUSTOM_FIELDS
from pocc.customfields.validation import Checked, Problem
from pocc.dataverse import DataverseClient
from pocc.errors import ConstantContactError, DuplicateKeyError

logger = logging.getLogger(__name__)


class FieldDirectory:
    """The account's custom fields, read once, by id, name and label."""

    def __init__(self, fields: Iterable[dict[str, Any]]) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, dict[str, Any]] = {}

        for field in fields:
            self.add(field)

    def add(self, field: dict[str, Any]) -> None:
        self._by_id[str(field.get("custom_field_id"))] = field

        for key in (field.get("name"), field.get("label")):
            if key:
                self._by_key.setdefault(str(key).strip().lower(), field)

    def find(self, field_id: str, name: str) -> dict[str, Any] | None:
        if field_id and field_id in self._by_id:
            return self._by_id[field_id]

        return self._by_key.get(name.strip().lower())


def provision(
    client: Any, dataverse: DataverseClient, checked: Sequence[Checked]
) -> tuple[dict[str, list[CustomField]], list[Problem]]:
    """(fields by table, problems): every checked mapping's field, found or made."""
    directory = FieldDirectory(client.custom_fields()) if checked else None
    fields: dict[str, list[CustomField]] = {}
    problems: list[Problem] = []

    for item in checked:
        assert directory is not None
        found = _ensure_field(client, directory, item)

        if isinstance(found, Problem):
            problems.append(found)
            continue

        _remember(dataverse, item, found)
        fields.setdefault(str(item.mapping.table), []).append(
            CustomField(
                column=item.mapping.column,
                cc_name=str(found["name"]),
                cc_type=str(found.get("type") or ""),
                attribute_type=item.attribute.type_name,
            )
        )

    return fields, problems


def _ensure_field(
    client: Any, directory: FieldDirectory, item: Checked
) -> dict[str, Any] | Problem:
    mapping = item.mapping
    found = directory.find(mapping.cc_field_id, mapping.wanted_cc_name)

    if found is None:
        return _create(client, directory, item)

    return _type_problem(item, found) or found


def review(client: Any, checked: Sequence[Checked]) -> tuple[list[str], list[Problem]]:
    """(a line per usable mapping, problems): what a job would find or create in
    Constant Contact, without changing anything."""
    directory = FieldDirectory(client.custom_fields())
    notes: list[str] = []
    problems: list[Problem] = []

    for item in checked:
        mapping = item.mapping
        found = directory.find(mapping.cc_field_id, mapping.wanted_cc_name)

        if found is None:
            notes.append(
                f"{mapping.label}: the next job creates the Constant Contact field "
                f"{mapping.wanted_cc_name} ({item.carriage.field_types[0]})"
            )
            continue

        problem = _type_problem(item, found)

        if problem is not None:
            problems.append(problem)
        else:
            notes.append(
                f"{mapping.label}: cf:{found.get('name')} ({found.get('type')})"
            )

    return notes, problems


def _type_problem(item: Checked, found: dict[str, Any]) -> Problem | None:
    fitting = item.carriage.field_types

    if found.get("type") in fitting:
        return None

    return Problem(
        item.mapping,
        f"the Constant Contact field {found.get('label') or found.get('name')} is of "
        f"type {found.get('type')}, but a {item.attribute.type_name} column needs "
        f"one of: {', '.join(fitting)}",
    )


def _create(
    client: Any, directory: FieldDirectory, item: Checked
) -> dict[str, Any] | Problem:
    field_type = item.carriage.field_types[0]
    label = item.mapping.wanted_cc_name

    try:
        created = client.create_custom_field({"label": label, "type": field_type})
    except DuplicateKeyError:
        # Made by someone else since the fields were read: use that one.
        fresh = FieldDirectory(client.custom_fields())
        found = fresh.find("", label)

        if found is None:
            raise

        directory.add(found)
        return _ensure_field(client, directory, item)
    except ConstantContactError as error:
        return Problem(
            item.mapping,
            f"Constant Contact refused to create the field {label} ({error})",
        )

    directory.add(created)
    logger.info(
        "created custom field %s (%s) for %s.%s",
        created.get("name"),
        field_type,
        item.mapping.table,
        item.mapping.column,
    )
    return created


def _remember(dataverse: DataverseClient, item: Checked, field: dict[str, Any]) -> None:
    """Stores the field's id, system name and type on the mapping when they changed."""
    mapping = item.mapping
    changes = {
        "pocc_ccfieldid": str(field.get("custom_field_id") or ""),
        "pocc_ccname": str(field.get("name") or ""),
        "pocc_cctype": str(field.get("type") or ""),
    }
    stored = {
        "pocc_ccfieldid": mapping.cc_field_id,
        "pocc_ccname": mapping.cc_name,
        "pocc_cctype": mapping.cc_type,
    }

    if changes != stored:
        dataverse.update(CUSTOM_FIELDS, mapping.id, changes)
