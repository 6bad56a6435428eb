"""A record's value for one custom field, as Constant Contact takes it.

- choices, two-options and multi-select choices: their labels, and lookups: the name
  of the record they point at, both from the `FormattedValue` annotation, which the
  member read asks for (Dataverse gives the label in the organisation's language);
- dates: `MM/DD/YYYY`, one of the formats Constant Contact reads for dates (reference
  notes, 6.1); a date-and-time column gives its UTC day;
- numbers: plain digits and a point, never the display text's thousands separators;
- text: as it is. A value longer than Constant Contact's 255 characters is cut by the
  import step, which counts every cut on the job (`import_checks`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pocc.customfields.columns import FORMATTED_VALUE, CustomField
from pocc.errors import PoccError

logger = logging.getLogger(__name__)

NUMBER_TYPES = frozenset({"Integer", "BigInt", "Decimal", "Double", "Money"})


class MissingDisplayValueError(PoccError):
    """A choice or lookup arrived without its display text, so only its code or id
    could be sent; pocc refuses rather than import a meaningless value."""


def field_value(record: Mapping[str, Any], field: CustomField) -> str | None:
    """The text to import for `field`, or None when the record holds no value."""
    key = field.property_name
    value = record.get(key)

    if value is None or value == "":
        return None

    if field.formatted:
        return _display_text(record, key, field)

    if field.attribute_type == "DateTime":
        return _date_text(value)

    if field.attribute_type in NUMBER_TYPES:
        return _number_text(value)

    return str(value)


def _display_text(record: Mapping[str, Any], key: str, field: CustomField) -> str:
    text = record.get(f"{key}@{FORMATTED_VALUE}")

    if isinstance(text, str) and text:
        return text

    if isinstance(record.get(key), bool):
        # Dataverse's default two-option labels, when no annotation was asked for.
        return "Yes" if record[key] else "No"

    raise MissingDisplayValueError(
        f"Dataverse sent {field.column} without its display text, so its label or "
        "name is unknown; the member read must ask for formatted values."
    )


def _date_text(value: Any) -> str:
    text = str(value)

    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        logger.warning("a date column held %r, which is not an ISO date", text[:40])
        return text

    return day.strftime("%m/%d/%Y")


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"

    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)

    text = format(number, "f")

    if "." in text:
        text = text.rstrip("0").rstrip(".")

    return text
