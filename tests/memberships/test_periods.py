"""Periods in the shop's calendar: month ends, leap years, clock changes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from memberships.services.periods import add_days, add_months, add_period, month_key

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month():
    assert add_months(local(HANOI, 2031, 1, 31, 10), 1, HANOI) == local(HANOI, 2031, 2, 28, 10)
    assert add_months(local(HANOI, 2032, 1, 31, 10), 1, HANOI) == local(HANOI, 2032, 2, 29, 10)  # a leap year
    assert add_months(local(HANOI, 2031, 3, 31, 10), 1, HANOI) == local(HANOI, 2031, 4, 30, 10)
    assert add_months(local(HANOI, 2031, 12, 15, 10), 1, HANOI) == local(HANOI, 2032, 1, 15, 10)


def test_a_year_from_29_february_ends_on_28_february():
    assert add_period(local(HANOI, 2032, 2, 29, 9), "year", HANOI) == local(HANOI, 2033, 2, 28, 9)
    assert add_period(local(HANOI, 2031, 5, 14, 9), "year", HANOI) == local(HANOI, 2032, 5, 14, 9)


def test_periods_count_in_the_shops_time_zone_not_utc():
    """23:30 on 31 January in Hanoi is 16:30 UTC the same day: the month ends on 29 February 2032, local time."""
    start = datetime(2032, 1, 31, 16, 30, tzinfo=UTC)
    assert add_months(start, 1, HANOI) == local(HANOI, 2032, 2, 29, 23, 30)
    assert (
        month_key(start, HANOI) == "2032-01"
        and month_key(datetime(2032, 1, 31, 17, 30, tzinfo=UTC), HANOI) == "2032-02"
    )


def test_a_month_across_a_clock_change_keeps_the_wall_clock_time():
    start = local(BERLIN, 2031, 3, 15, 9)  # winter time, UTC+1
    end = add_months(start, 1, BERLIN)  # summer time, UTC+2
    assert end == local(BERLIN, 2031, 4, 15, 9) and end.utcoffset() != start.utcoffset()
    assert add_days(local(BERLIN, 2031, 3, 29, 12), 1, BERLIN) == local(BERLIN, 2031, 3, 30, 12)
