"""Calendar arithmetic of membership periods, in the shop's time zone (DESIGN.md: time is explicit; in Python, not
in database-specific SQL)."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..models import Period


def add_months(moment: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same wall-clock time `months` calendar months later in `tz`; a day the target month lacks becomes its
    last day (31 January + 1 month = 28 or 29 February; 29 February + 1 year = 28 February)."""
    local = moment.astimezone(tz)
    years, month_index = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month_index + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(tzinfo=None).replace(year=year, month=month, day=day).replace(tzinfo=tz)


def add_period(moment: datetime, period: str, tz: ZoneInfo) -> datetime:
    return add_months(moment, 12 if period == Period.YEAR else 1, tz)


def add_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """`days` calendar days later at the same wall-clock time in `tz` (a day across a clock change is 23 or 25 h)."""
    local = moment.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=tz)


def month_key(moment: datetime, tz: ZoneInfo) -> str:
    """The calendar month of the moment in the shop's time zone, as YYYY-MM."""
    return moment.astimezone(tz).strftime("%Y-%m")
