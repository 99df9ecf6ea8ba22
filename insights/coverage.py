"""What the roll-ups (rollups.py) can answer for a report, and what must be read live: a day is read from
DayFigures when it is closed and rolled up, and no row of it arrived since the last run nor a merge made it stale;
every other day of the period (today, a day the job has not reached, a day with late rows) is read live. Whether
members bought in a period running up to now, and twice, is read from MemberVisits plus the purchases since."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Q, Sum

from loyalty.models import Purchase
from loyalty.services.sql import table

from .models import DayFigures, DirtyDay, MemberVisits, RollupState
from .rollups import arrived_days, day_intervals
from .sums import FIELDS


@dataclass(frozen=True)
class Coverage:
    through: date | None = None  # the last day rolled up (None: no roll-ups yet)
    stale: frozenset = frozenset()  # rolled-up days to read live
    seen: dict = field(default_factory=dict)

    def live(self, start: date | None, end: date) -> list[tuple[date | None, date]]:
        """The intervals of [start, end) (start None: ever) that are read live."""
        if self.through is None:
            return [(start, end)]
        tail = max(start, self.through + timedelta(days=1)) if start else self.through + timedelta(days=1)
        days = [day for day in self.stale if (start is None or day >= start) and day < min(end, tail)]
        intervals = day_intervals(days)
        if tail < end:
            intervals.append((tail, end))
        return intervals

    def rolled(self, start: date | None, end: date) -> Q | None:
        """The DayFigures days of [start, end) read from the roll-ups, or None when there are none."""
        if self.through is None or (start is not None and start > self.through):
            return None
        days = Q(day__lte=self.through, day__lt=end) & ~Q(day__in=sorted(self.stale))
        return days & Q(day__gte=start) if start else days


def coverage(shop) -> Coverage:
    """One query without roll-ups; three with (the state, the rows arrived since, the stale days)."""
    state = RollupState.objects.filter(shop=shop).first()
    if state is None:
        return Coverage()
    stale = arrived_days(shop, state.seen) | set(DirtyDay.objects.filter(shop=shop).values_list("day", flat=True))
    return Coverage(state.through, frozenset(day for day in stale if day <= state.through), state.seen)


def rolled_sums(shop, cover: Coverage, start: date, end: date, location) -> dict | None:
    """The roll-ups' sums of the period's rolled days, and the members enrolled on every rolled day before its end
    (`members_total`); None when no day of it is rolled up."""
    days = cover.rolled(None, end)
    if days is None:
        return None
    rows = DayFigures.objects.filter(shop=shop).filter(days)
    if location is not None:
        rows = rows.filter(location=location)
    in_period = Q(day__gte=start)
    return rows.aggregate(
        members_total=Sum("enrolled", default=0),
        **{name: Sum(name, filter=in_period, default=0) for name in FIELDS},
    )


def _moment(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _visits_sql(located: bool) -> str:
    """Members without a purchase since the roll-up are counted straight from their visits (no grouping); the few
    with one are their visits plus those purchases."""
    place = " AND location_id = %s" if located else ""
    one = "CASE WHEN {} >= %s THEN 1 ELSE 0 END"
    return f"""
        WITH fresh AS (
            SELECT member_id, SUM({one.format("occurred_at")}) AS n, MAX(occurred_at) AS last_at
            FROM {table(Purchase)}
            WHERE shop_id = %s AND id > %s AND member_id IS NOT NULL AND occurred_at >= %s{place}
            GROUP BY member_id
        ), kept AS (
            SELECT member_id, {one.format("last_at")} + {one.format("previous_at")} AS n, last_at
            FROM {table(MemberVisits)} WHERE shop_id = %s AND place = %s AND last_at >= %s
        )
        SELECT COALESCE(SUM(CASE WHEN n >= 1 THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0),
               COALESCE(SUM({one.format("last_at")}), 0), COALESCE(SUM({one.format("last_at")}), 0)
        FROM (
            SELECT n, last_at FROM kept WHERE member_id NOT IN (SELECT member_id FROM fresh)
            UNION ALL
            SELECT COALESCE(kept.n, 0) + fresh.n,
                   CASE WHEN kept.last_at > fresh.last_at THEN kept.last_at ELSE fresh.last_at END
            FROM fresh LEFT JOIN kept ON kept.member_id = fresh.member_id
        ) members"""


def visits_counts(shop, cover: Coverage, since: datetime, location, recent: tuple[datetime, datetime]) -> dict:
    """Members with a purchase since `since` (up to now), those with two or more, and those with one since each
    `recent` moment (30 and 90 days before the end; pass `since` twice when not wanted), at the location or the
    whole shop: one query over MemberVisits and the purchases since."""
    low = _moment(min(since, *recent))
    since_at, d30, d90 = _moment(since), _moment(recent[0]), _moment(recent[1])
    params = [since_at, shop.pk, cover.seen.get("purchase", 0), low] + ([location.pk] if location else [])
    params += [since_at, since_at, shop.pk, location.pk if location else 0, low, d30, d90]
    with connection.cursor() as cursor:
        cursor.execute(_visits_sql(location is not None), params)
        active, repeaters, active_30, active_90 = cursor.fetchone()
    return {"active": active, "repeaters": repeaters, "active_30": active_30, "active_90": active_90}
