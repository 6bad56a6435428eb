"""Whether a record may receive a bulk email at all, before its address is looked at.

A record is left out when it is not active (`statecode` other than 0: an inactive
contact or account, a qualified or disqualified lead) or when it refuses email
(`donotemail`) or bulk email (`donotbulkemail`), which is what a marketing email is.
Record state comes first, so an inactive record is counted as inactive whatever its
address holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INACTIVE = "inactive"
EMAILING_NOT_ALLOWED = "emailing not allowed"

# The columns these rules read, on contact, lead and account alike.
COLUMNS = ("statecode", "donotemail", "donotbulkemail")


def skip_reason(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """(skip reason, detail) when the record may not be emailed, else None."""
    if record.get("statecode") not in (0, None):
        return INACTIVE, "the record is not active"

    if record.get("donotemail"):
        return EMAILING_NOT_ALLOWED, "the record does not allow email"

    if record.get("donotbulkemail"):
        return EMAILING_NOT_ALLOWED, "the record does not allow bulk email"

    return None
