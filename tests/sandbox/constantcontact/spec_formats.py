"""The `format` values the Constant Contact spec uses, checked as the service writes.

`jsonschema` checks `date-time` only when an optional package is installed, and knows
nothing of Swagger's `int32`/`int64`; this checker holds exactly the formats the spec
names, so a check never silently turns itself off.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jsonschema import FormatChecker

FORMAT_CHECKER = FormatChecker(formats=())

# ISO 8601 with a time zone, as the service writes it: 2019-05-16T13:38:55.000Z.
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})"
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

INT32_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)


@FORMAT_CHECKER.checks("date-time")
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True

    if not DATE_TIME.fullmatch(value):
        return False

    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False

    return True


@FORMAT_CHECKER.checks("date")
def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True

    if not DATE.fullmatch(value):
        return False

    try:
        date.fromisoformat(value)
    except ValueError:
        return False

    return True


@FORMAT_CHECKER.checks("uuid")
def is_uuid(value: object) -> bool:
    return not isinstance(value, str) or UUID.fullmatch(value) is not None


@FORMAT_CHECKER.checks("email")
def is_email(value: object) -> bool:
    return not isinstance(value, str) or EMAIL.fullmatch(value) is not None


@FORMAT_CHECKER.checks("int32")
def is_int32(value: object) -> bool:
    return not isinstance(value, int) or INT32_RANGE[0] <= value <= INT32_RANGE[1]


@FORMAT_CHECKER.checks("int64")
def is_int64(value: object) -> bool:
    return not isinstance(value, int) or INT64_RANGE[0] <= value <= INT64_RANGE[1]
