"""Monthly cohort retention: members grouped by the month they joined (the shop's calendar), and for each month
since, the share of them who bought. Two queries; months are truncated in the shop's time zone by the database
through Django's portable TruncMonth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth

from loyalty.models import Member, Purchase

COHORT_MONTHS = 6


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


def cohorts(period) -> list[Cohort]:
    """The cohorts of the last COHORT_MONTHS months up to the period's end (its month included)."""
    tz = period.shop.tz
    last = (period.end - timedelta(days=1)).replace(day=1)  # `end` is the first day after the period
    first = month_add(last, -(COHORT_MONTHS - 1))
    since = datetime.combine(first, time(0), tzinfo=tz)
    until = period.until
    joined = Member.objects.filter(
        shop=period.shop, merged_into__isnull=True, created_at__gte=since, created_at__lt=until
    )
    if period.location:
        joined = joined.filter(enrolled_location=period.location)
    sizes = {
        _month_of(row["month"]): row["n"]
        for row in joined.annotate(month=TruncMonth("created_at", tzinfo=tz)).values("month").annotate(n=Count("id"))
    }
    bought = (
        Purchase.objects.filter(member__in=joined, occurred_at__gte=since, occurred_at__lt=until)
        .annotate(cohort=TruncMonth("member__created_at", tzinfo=tz), month=TruncMonth("occurred_at", tzinfo=tz))
        .values("cohort", "month")
        .annotate(n=Count("member", distinct=True))
    )
    active = {(_month_of(row["cohort"]), _month_of(row["month"])): row["n"] for row in bought}
    made = []
    for index in range(COHORT_MONTHS):
        month = month_add(first, index)
        if not sizes.get(month):
            continue
        months_since = COHORT_MONTHS - index
        made.append(
            Cohort(month, sizes[month], [active.get((month, month_add(month, k)), 0) for k in range(months_since)])
        )
    return made
