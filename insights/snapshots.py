"""The nightly snapshot (models.Snapshot): taken by the `segments` job after the scores, read by the report when
the period runs up to the snapshot or past it (the dashboard's usual view), so a view of the last 30 days does
not read a year of the ledger nor six months of purchases. A period that ended before the snapshot, or one so
far past it that its cohort months differ, is computed from the ledger and purchases instead."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from loyalty.models import EntryKind, LedgerEntry

from .cohorts import Cohort, cohort_counts, first_month
from .models import Snapshot

HISTORY = timedelta(days=365)
FRESH = timedelta(days=2)  # a snapshot older than this before the period's end is not used


def year_of_points(shop, until: datetime) -> dict:
    """Points expired and redeemed in the year before `until`."""
    rows = LedgerEntry.objects.filter(shop=shop, occurred_at__gte=until - HISTORY, occurred_at__lt=until)
    return rows.aggregate(
        expired=Sum(-F("points"), filter=Q(kind=EntryKind.EXPIRE), default=0),
        redeemed=Sum(-F("points"), filter=Q(kind=EntryKind.REDEEM), default=0),
    )


def _day_after(shop, moment: datetime) -> date:
    return timezone.localtime(moment, shop.tz).date() + timedelta(days=1)


def snapshot_take(shop, *, as_of: datetime) -> Snapshot:
    points = year_of_points(shop, as_of)
    found = cohort_counts(shop, _day_after(shop, as_of), as_of)
    cohorts = {place: [[c.month.isoformat(), c.size, c.active] for c in rows] for place, rows in found.items()}
    snapshot, _created = Snapshot.objects.update_or_create(
        shop=shop, defaults={"as_of": as_of, "cohorts": cohorts, **points}
    )
    return snapshot


def snapshot_for(period) -> Snapshot | None:
    """The shop's snapshot when the period runs up to it or past it by less than FRESH."""
    snapshot = Snapshot.objects.filter(shop=period.shop).first()
    if snapshot is None or not snapshot.as_of <= period.until <= snapshot.as_of + FRESH:
        return None
    return snapshot


def snapshot_cohorts(snapshot: Snapshot, period) -> list[Cohort] | None:
    """The snapshot's cohorts for the period's place, or None when the period's cohort months are others."""
    if first_month(period.end) != first_month(_day_after(period.shop, snapshot.as_of)):
        return None
    key = "" if period.location is None else str(period.location.pk)
    return [Cohort(date.fromisoformat(month), size, active) for month, size, active in snapshot.cohorts.get(key, [])]
