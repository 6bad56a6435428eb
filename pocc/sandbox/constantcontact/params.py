"""Query parameter parsing with the spec's rules and Constant Contact's error keys.

Each helper reads one parameter of a call and raises `InvalidRequestError` with the
operation's error key (for example `contacts.api.validation.error`) and a message
that names the parameter, as the real API does ("limit must be between 1 and 500").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from .errors import InvalidRequestError

TRUE_WORDS = {"true": True, "false": False}


def enum_value(
    query: MultiDict[str, str],
    name: str,
    allowed: Iterable[str],
    error_key: str,
    default: str | None = None,
) -> str | None:
    value = query.get(name)

    if value is None:
        return default

    if value not in set(allowed):
        raise InvalidRequestError(error_key, f"{name} does not have a valid value")

    return value


def csv_values(
    query: MultiDict[str, str],
    name: str,
    error_key: str,
    allowed: Iterable[str] | None = None,
    max_items: int | None = None,
) -> list[str]:
    """A comma-separated parameter (repeated parameters are joined too)."""
    values = [
        item.strip()
        for raw in query.getlist(name)
        for item in raw.split(",")
        if item.strip()
    ]

    if allowed is not None:
        unknown = [value for value in values if value not in set(allowed)]

        if unknown:
            raise InvalidRequestError(error_key, f"{name} does not have a valid value")

    if max_items is not None and len(values) > max_items:
        raise InvalidRequestError(
            error_key, f"{name} accepts at most {max_items} values"
        )

    return values


def integer(
    query: MultiDict[str, str],
    name: str,
    error_key: str,
    default: int,
    minimum: int,
    maximum: int,
) -> int:
    raw = query.get(name)

    if raw is None:
        return default

    try:
        value = int(raw)
    except ValueError as error:
        raise InvalidRequestError(error_key, f"{name} must be an integer") from error

    if not minimum <= value <= maximum:
        raise InvalidRequestError(
            error_key, f"{name} must be between {minimum} and {maximum}"
        )

    return value


def boolean(
    query: MultiDict[str, str], name: str, error_key: str, default: bool = False
) -> bool:
    raw = query.get(name)

    if raw is None:
        return default

    if raw.lower() not in TRUE_WORDS:
        raise InvalidRequestError(error_key, f"{name} must be true or false")

    return TRUE_WORDS[raw.lower()]


def timestamp(query: MultiDict[str, str], name: str, error_key: str) -> datetime | None:
    """An ISO-8601 date or date-time; a date means its midnight UTC."""
    raw = query.get(name)

    if raw is None:
        return None

    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidRequestError(
            error_key, f"{name} must be an ISO-8601 date or date-time"
        ) from error

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)

    return value


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor for `_links.next.href`; clients never build their own."""
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(query: MultiDict[str, str], error_key: str) -> dict[str, Any] | None:
    raw = query.get("cursor")

    if raw is None:
        return None

    try:
        padded = raw + "=" * (-len(raw) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError) as error:
        raise InvalidRequestError(error_key, "cursor is not valid") from error

    if not isinstance(position, dict):
        raise InvalidRequestError(error_key, "cursor is not valid")

    return position
