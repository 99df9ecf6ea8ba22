"""Monthly cohort retention: members grouped by the month they joined (the shop's calendar), and for each month
since, the share of them who bought. Two queries, grouped by the location members joined at as well, so the
nightly snapshot (snapshots.py) keeps the whole shop's and every location's at once; months are truncated in the
shop's time zone by the database through Django's portable TruncMonth."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth

from loyalty.models import Member, Purchase

COHORT_MONTHS = 6
WHOLE_SHOP = ""  # the key of the whole shop's cohorts; a location's is its id as a string


@dataclass(frozen=True)
class Cohort:
    month: date  # the first day of the month they joined
    size: int
    active: list[int]  # members of the cohort who bought in month 0, 1, … after joining (up to the period's end)

    @property
    def shares(self) -> list[Decimal]:
        return [(Decimal(n) / self.size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for n in self.active]


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_of(value) -> date:
    return date(value.year, value.month, 1)


def first_month(end: date) -> date:
    """The first cohort's month for a period ending (exclusive) on `end`."""
    return month_add((end - timedelta(days=1)).replace(day=1), -(COHORT_MONTHS - 1))


def cohort_counts(shop, end: date, until: datetime, location=None) -> dict[str, list[Cohort]]:
    """The cohorts up to `until` (the period's end, `end` its day), by the location members joined at."""
    tz = shop.tz
    first = first_month(end)
    since = datetime.combine(first, time(0), tzinfo=tz)
    joined = Member.objects.filter(shop=shop, merged_into__isnull=True, created_at__gte=since, created_at__lt=until)
    if location is not None:
        joined = joined.filter(enrolled_location=location)
    sizes = defaultdict(int)
    for row in (
        joined.annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("enrolled_location", "month")
        .annotate(n=Count("id"))
    ):
        sizes[str(row["enrolled_location"] or ""), _month_of(row["month"])] += row["n"]
    bought = (
        Purchase.objects.filter(member__in=joined, occurred_at__gte=since, occurred_at__lt=until)
        .annotate(cohort=TruncMonth("member__created_at", tzinfo=tz), month=TruncMonth("occurred_at", tzinfo=tz))
        .values("member__enrolled_location", "cohort", "month")
        .annotate(n=Count("member", distinct=True))
    )
    active = defaultdict(int)
    for row in bought:
        active[str(row["member__enrolled_location"] or ""), _month_of(row["cohort"]), _month_of(row["month"])] += row[
            "n"
        ]
    places = {place for place, _month in sizes}
    made = {place: _cohorts_of(place, first, sizes, active) for place in places}
    made[WHOLE_SHOP] = _cohorts_of(None, first, sizes, active)  # each member joined at one place: the sums
    return made


def _cohorts_of(place: str | None, first: date, sizes: dict, active: dict) -> list[Cohort]:
    def total(table: dict, *key) -> int:
        return sum(n for (where, *rest), n in table.items() if tuple(rest) == key and place in (None, where))

    made = []
    for index in range(COHORT_MONTHS):
        month = month_add(first, index)
        size = total(sizes, month)
        if size:
            counts = [total(active, month, month_add(month, k)) for k in range(COHORT_MONTHS - index)]
            made.append(Cohort(month, size, counts))
    return made


def cohorts(period) -> list[Cohort]:
    """The period's cohorts, computed now (the last COHORT_MONTHS months up to its end, its month included)."""
    found = cohort_counts(period.shop, period.end, period.until, period.location)
    key = WHOLE_SHOP if period.location is None else str(period.location.pk)
    return found.get(key, [])
