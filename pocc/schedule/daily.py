"""The next daily run at a minute of the day in a time zone, as a UTC moment.

Local days are not all 24 hours long. On the day clocks go forward a local time in
the gap does not exist: the run happens when the clock reads the same distance past
midnight in the new offset (02:30 becomes 03:30), as Windows does. On the day clocks
go back a local time in the repeated hour happens twice: the run happens at the
first one only. The result is stored in UTC, so every reader agrees on it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60


def run_on(day: datetime, zone: ZoneInfo, minute_of_day: int) -> datetime:
    """The UTC moment of the run on the local date of `day` (a date in `zone`)."""
    hours, minutes = divmod(minute_of_day, 60)
    local = datetime.combine(day.date(), time(hours, minutes), tzinfo=zone)
    # fold=0 picks the first of a repeated time and, for a time in a gap, the offset
    # in force before the change, which lands the same distance after the gap.
    return local.replace(fold=0).astimezone(UTC)


def next_run(after: datetime, zone: ZoneInfo, minute_of_day: int) -> datetime:
    """The first run strictly after `after` (UTC), at `minute_of_day` local time."""
    if not 0 <= minute_of_day < MINUTES_PER_DAY:
        raise ValueError(f"minute of day {minute_of_day} is not in 0..1439")

    local_today = after.astimezone(zone)

    # From the local yesterday: a shifted run (see the module) may still be ahead.
    for days in (-1, 0, 1):
        candidate = run_on(local_today + timedelta(days=days), zone, minute_of_day)

        if candidate > after:
            return candidate

    return run_on(local_today + timedelta(days=2), zone, minute_of_day)


def scheduled_minute(moment: datetime, zone: ZoneInfo) -> int:
    """The local minute of day at which a UTC `moment` falls in `zone`."""
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute
