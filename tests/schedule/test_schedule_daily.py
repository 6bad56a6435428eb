"""The next daily run, computed in the organisation's zone and stored in UTC.

Zones far from UTC (UTC+8, UTC-10) at every hour of the day, and the days daylight
saving starts and ends in Europe (W. Europe Standard Time) and the US (Eastern
Standard Time). Instants were worked out by hand from the published rules: Europe
changes at 01:00 UTC on the last Sundays of March and October, the US at 02:00 local
on the second Sunday of March and the first Sunday of November.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pocc.schedule.daily import next_run, scheduled_minute
from pocc.schedule.time_zones import (
    UnknownTimeZoneError,
    by_code,
    time_zone,
    time_zone_choices,
)

CHINA = time_zone("China Standard Time")
HAWAII = time_zone("Hawaiian Standard Time")
BERLIN = time_zone("W. Europe Standard Time")
NEW_YORK = time_zone("Eastern Standard Time")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_windows_names_map_to_the_cldr_zones() -> None:
    assert str(CHINA) == "Asia/Shanghai"
    assert str(HAWAII) == "Pacific/Honolulu"
    assert str(BERLIN) == "Europe/Berlin"
    assert str(NEW_YORK) == "America/New_York"
    assert str(time_zone("  pacific standard time ")) == "America/Los_Angeles"
    assert str(time_zone(None)) == "Etc/UTC"


def test_every_listed_zone_loads_and_d365_codes_are_unique() -> None:
    choices = time_zone_choices()
    codes = [choice.code for choice in choices if choice.code is not None]

    assert len(choices) > 130
    assert all(choice.zone is not None for choice in choices)
    assert len(codes) == len(set(codes))
    assert by_code(85).windows == "GMT Standard Time"
    assert by_code(110).windows == "W. Europe Standard Time"


def test_an_unknown_zone_is_refused_with_a_message() -> None:
    with pytest.raises(UnknownTimeZoneError, match="setup page"):
        time_zone("Mars Standard Time")


def test_utc_plus_8_at_one_in_the_morning_is_the_previous_utc_evening() -> None:
    assert next_run(utc("2025-06-10T12:00"), CHINA, 60) == utc("2025-06-10T17:00")
    assert next_run(utc("2025-06-10T16:59"), CHINA, 60) == utc("2025-06-10T17:00")
    assert next_run(utc("2025-06-10T17:00"), CHINA, 60) == utc("2025-06-11T17:00")


def test_utc_minus_10_at_eleven_at_night_is_the_next_utc_morning() -> None:
    assert next_run(utc("2025-06-10T08:00"), HAWAII, 23 * 60) == utc("2025-06-10T09:00")
    assert next_run(utc("2025-06-10T09:30"), HAWAII, 23 * 60) == utc("2025-06-11T09:00")


@pytest.mark.parametrize("zone", [CHINA, HAWAII], ids=["UTC+8", "UTC-10"])
@pytest.mark.parametrize("hour", range(24))
def test_far_zones_at_every_hour_run_once_a_day_at_that_local_time(
    zone: object, hour: int
) -> None:
    after = utc("2025-06-10T00:00")

    for _ in range(30):
        following = next_run(after, zone, hour * 60 + 15)

        assert following > after
        assert following - after <= timedelta(days=1)
        assert scheduled_minute(following, zone) == hour * 60 + 15
        after = following + timedelta(minutes=1)


def test_europe_spring_forward() -> None:
    # 2025-03-30: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    assert next_run(utc("2025-03-29T12:00"), BERLIN, 9 * 60) == utc("2025-03-30T07:00")
    assert next_run(utc("2025-03-28T12:00"), BERLIN, 9 * 60) == utc("2025-03-29T08:00")
    # 02:30 does not exist that day: the run comes an hour later on the clock.
    assert next_run(utc("2025-03-29T12:00"), BERLIN, 150) == utc("2025-03-30T01:30")
    assert next_run(utc("2025-03-30T01:30"), BERLIN, 150) == utc("2025-03-31T00:30")


def test_europe_fall_back() -> None:
    # 2025-10-26: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens twice.
    assert next_run(utc("2025-10-25T12:00"), BERLIN, 150) == utc("2025-10-26T00:30")
    assert next_run(utc("2025-10-26T00:30"), BERLIN, 150) == utc("2025-10-27T01:30")
    assert next_run(utc("2025-10-25T12:00"), BERLIN, 9 * 60) == utc("2025-10-26T08:00")


def test_us_spring_forward() -> None:
    # 2025-03-09: 02:00 EST becomes 03:00 EDT.
    assert next_run(utc("2025-03-08T20:00"), NEW_YORK, 9 * 60) == utc(
        "2025-03-09T13:00"
    )
    assert next_run(utc("2025-03-07T20:00"), NEW_YORK, 9 * 60) == utc(
        "2025-03-08T14:00"
    )
    assert next_run(utc("2025-03-08T20:00"), NEW_YORK, 150) == utc("2025-03-09T07:30")


def test_us_fall_back() -> None:
    # 2025-11-02: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    assert next_run(utc("2025-11-01T20:00"), NEW_YORK, 90) == utc("2025-11-02T05:30")
    assert next_run(utc("2025-11-02T05:30"), NEW_YORK, 90) == utc("2025-11-03T06:30")
    # 23:00 on the Saturday is still EDT; on the Sunday, a 25-hour day, EST.
    assert next_run(utc("2025-11-01T20:00"), NEW_YORK, 23 * 60) == utc(
        "2025-11-02T03:00"
    )
    assert next_run(utc("2025-11-02T03:00"), NEW_YORK, 23 * 60) == utc(
        "2025-11-03T04:00"
    )


def test_a_minute_outside_the_day_is_refused() -> None:
    with pytest.raises(ValueError, match="1439"):
        next_run(utc("2025-06-10T00:00"), CHINA, 24 * 60)
