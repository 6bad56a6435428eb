"""D365's time zones (Windows ids) as IANA zones that Python can compute with.

Dynamics 365 names a time zone by its Windows id (`timezonedefinition.standardname`,
for example "W. Europe Standard Time") and the setup page stores that id in
`pocc_configuration.pocc_timezone`. Windows does its own daylight-saving arithmetic;
pocc maps the id to the IANA zone that Unicode CLDR's `windowsZones.xml` gives for it
(territory "001") and lets `zoneinfo` do the arithmetic. The table lives in
`windows_zones.json`, with D365's numeric `timezonecode` where Microsoft's time zone
index table gives one.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from pocc.errors import PoccError

logger = logging.getLogger(__name__)

DATA_FILE = "windows_zones.json"
# What an organisation that never chose a zone gets: D365's own default is UTC too.
DEFAULT_WINDOWS_ZONE = "UTC"


class UnknownTimeZoneError(PoccError):
    """The configuration names a time zone that D365's list does not hold."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The time zone {name!r} on the pocc configuration is not one of "
            "Dynamics 365's time zones: an administrator must choose one on the "
            "pocc setup page."
        )
        self.name = name


@dataclass(frozen=True)
class TimeZoneChoice:
    """One entry of the setup page's time zone list."""

    windows: str
    iana: str
    code: int | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.iana)

    def label(self, moment: datetime) -> str:
        """D365's style of label, "(GMT+01:00) W. Europe Standard Time", at `moment`."""
        offset = self.zone.utcoffset(moment.replace(tzinfo=None)) or timedelta()
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        text = "(GMT)" if minutes == 0 else f"(GMT{sign}{hours:02d}:{rest:02d})"
        return f"{text} {self.windows}"


@functools.cache
def time_zone_choices() -> tuple[TimeZoneChoice, ...]:
    """Every D365 time zone, ordered as D365 lists them (by standard offset)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text("utf-8")
    return tuple(
        TimeZoneChoice(item["windows"], item["iana"], item["code"])
        for item in json.loads(text)["zones"]
    )


@functools.cache
def _by_name() -> dict[str, TimeZoneChoice]:
    # D365 compares names case-insensitively; so does pocc.
    return {choice.windows.casefold(): choice for choice in time_zone_choices()}


def time_zone(windows_name: str | None) -> ZoneInfo:
    """The IANA zone for a D365 time zone name; UTC when none was chosen."""
    name = (windows_name or "").strip() or DEFAULT_WINDOWS_ZONE
    choice = _by_name().get(name.casefold())

    if choice is None:
        raise UnknownTimeZoneError(name)

    return choice.zone


def by_code(code: int) -> TimeZoneChoice | None:
    """The zone with D365's `timezonecode` (as `usersettings` stores it), if known."""
    return next((item for item in time_zone_choices() if item.code == code), None)
