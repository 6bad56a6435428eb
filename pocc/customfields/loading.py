"""The checked custom fields of every table, as a job that imports contacts needs them.

With the organisation's Constant Contact client, each field is found or created there
(`provisioning`); without one, a mapping must already carry the field's id and system
name from an earlier job, else it is refused (pocc cannot know the name Constant
Contact would give it). Any problem raises `CustomFieldError` listing all of them,
before a single contact is imported; a refused mapping also stops any field from
being created.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pocc.customfields.columns import CustomField
from pocc.customfields.mappings import read_mappings
from pocc.customfields.provisioning import provision
from pocc.customfields.validation import (
    Checked,
    CustomFieldError,
    Problem,
    check_mappings,
)
from pocc.dataverse import DataverseClient

logger = logging.getLogger(__name__)


def load_custom_fields(
    dataverse: DataverseClient, constant_contact: Any = None
) -> dict[str, tuple[CustomField, ...]]:
    """The usable custom fields by table; raises `CustomFieldError` on any problem."""
    checked, problems = check_mappings(dataverse, read_mappings(dataverse))

    # Refused mappings stop the job before Constant Contact is changed at all.
    if problems:
        raise CustomFieldError(problems)

    if constant_contact is not None:
        fields, refused = provision(constant_contact, dataverse, checked)
    else:
        fields, refused = _as_stored(checked)

    if refused:
        raise CustomFieldError(refused)

    count = sum(len(items) for items in fields.values())
    logger.info("%s custom fields mapped across %s tables", count, len(fields))
    return {table: tuple(items) for table, items in fields.items()}


def _as_stored(
    checked: Sequence[Checked],
) -> tuple[dict[str, list[CustomField]], list[Problem]]:
    fields: dict[str, list[CustomField]] = {}
    problems: list[Problem] = []

    for item in checked:
        mapping = item.mapping

        if not mapping.cc_field_id or not mapping.cc_name:
            problems.append(
                Problem(
                    mapping,
                    "its Constant Contact field has not been created yet; a job that "
                    "connects to Constant Contact (such as Sync marketing list) "
                    "creates it",
                )
            )
            continue

        fields.setdefault(str(mapping.table), []).append(
            CustomField(
                column=mapping.column,
                cc_name=mapping.cc_name,
                cc_type=mapping.cc_type or item.carriage.field_types[0],
                attribute_type=item.attribute.type_name,
            )
        )

    return fields, problems
