"""The `insights_rollups` job: each shop's closed days summed per location (models.DayFigures, from sums.py, the
live report's own sums) and each member's two latest purchases (models.MemberVisits), so the dashboard adds up
a few rows instead of reading its purchases and ledger.

Which days a run recomputes (an upsert: the day's rows are replaced): every closed day on the first run; then
the days closed since the last run, the last SETTLE_DAYS closed days, the days of every row that arrived since
the run before the last (a backdated purchase, a refund of an old purchase, an import's members and entries,
whatever wrote them, whether or not a hook fired), and the days a merge made stale (DirtyDay). Between runs the
report finds the rows that arrived since the last one itself (coverage.py) and reads their days live."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from loyalty import hooks
from loyalty.models import LedgerEntry, Member, Purchase, Refund, Shop
from loyalty.services.sql import table
from rewards.models import Voucher

from .models import DayFigures, DirtyDay, MemberVisits, RollupState
from .sums import ALL_SUMS, during

SETTLE_DAYS = 2  # closed days recomputed on every run whatever happened (a voucher used just before midnight)
TABLES = {"purchase": Purchase, "entry": LedgerEntry, "refund": Refund, "member": Member, "voucher": Voucher}


def seen_now() -> dict:
    """The largest id of each table now (every shop's: ids only grow)."""
    return {key: model.objects.aggregate(top=Max("pk"))["top"] or 0 for key, model in TABLES.items()}


def arrived_days(shop, since: dict) -> set[date]:
    """The days (the shop's calendar) of the shop's rows with an id above `since`: the moment each counts at."""
    moments = {
        "purchase": Purchase.objects.values_list("occurred_at"),
        "entry": LedgerEntry.objects.values_list("occurred_at"),
        "refund": Refund.objects.values_list("purchase__occurred_at"),
        "member": Member.objects.values_list("created_at"),
        "voucher": Voucher.objects.values_list("issued_at"),
    }
    parts = [rows.filter(shop=shop, pk__gt=since.get(key, 0)).order_by() for key, rows in moments.items()]
    found = parts[0].union(*parts[1:], all=True)
    return {timezone.localtime(at, shop.tz).date() for (at,) in found}


def day_intervals(days) -> list[tuple[date, date]]:
    """Sorted days as [start, end) intervals of consecutive days."""
    intervals: list[list[date]] = []
    for day in sorted(days):
        if intervals and intervals[-1][1] == day:
            intervals[-1][1] = day + timedelta(days=1)
        else:
            intervals.append([day, day + timedelta(days=1)])
    return [(start, end) for start, end in intervals]


def days_rolled(shop, intervals: list[tuple[date | None, date]]) -> int:
    """Replace the shop's DayFigures of these days by what sums.py gives for them now; returns how many days have
    figures."""
    when = during(shop, intervals)
    figures: dict[tuple, dict] = defaultdict(dict)
    for source in ALL_SUMS:
        rows, place, field, sums = source(shop, when)
        at_place = F(place) if isinstance(place, str) else place
        grouped = rows.annotate(on_day=TruncDate(field, tzinfo=shop.tz), at_place=at_place)
        for row in grouped.order_by().values("on_day", "at_place").annotate(**sums):
            figures[row["on_day"], row["at_place"]].update({key: row[key] for key in sums})
    stale = DayFigures.objects.filter(shop=shop)
    if intervals[0][0] is None:  # every day up to the end
        stale = stale.filter(day__lt=intervals[-1][1])
    else:
        stale = stale.filter(day__in=_days_of(intervals))
    stale.delete()
    made = [DayFigures(shop=shop, day=day, location_id=place, **values) for (day, place), values in figures.items()]
    DayFigures.objects.bulk_create(made, batch_size=1000)
    return len({day for day, _place in figures})


def _days_of(intervals) -> list[date]:
    return [start + timedelta(days=k) for start, end in intervals for k in range((end - start).days)]


def _visits_sql(members: str) -> str:
    """The two latest purchases (up to an id) of the shop's members, at the whole shop and at each location."""
    purchase, visits = table(Purchase), table(MemberVisits)
    ranked = """SELECT member_id, {place} AS place, occurred_at,
               ROW_NUMBER() OVER (PARTITION BY member_id{partition} ORDER BY occurred_at DESC, id DESC) AS n
        FROM {purchase} WHERE shop_id = %s AND member_id IS NOT NULL AND id <= %s{where} {members}"""
    whole = ranked.format(place="0", partition="", purchase=purchase, where="", members=members)
    located = ranked.format(
        place="location_id",
        partition=", location_id",
        purchase=purchase,
        where=" AND location_id IS NOT NULL",
        members=members,
    )
    return f"""
        INSERT INTO {visits} (shop_id, member_id, place, last_at, previous_at)
        SELECT %s, member_id, place, MAX(CASE WHEN n = 1 THEN occurred_at END),
               MAX(CASE WHEN n = 2 THEN occurred_at END)
        FROM ({whole} UNION ALL {located}) ranked WHERE n <= 2 GROUP BY member_id, place"""


def visits_rolled(shop, upto: int, *, since: int | None = None, members: list[int] | None = None) -> None:
    """Rewrite the MemberVisits of the shop's members (all; those with a purchase above `since`; or `members`)
    from their purchases up to id `upto`."""
    rows = MemberVisits.objects.filter(shop=shop)
    purchase = table(Purchase)
    if since is not None:
        chosen = f"AND member_id IN (SELECT member_id FROM {purchase} WHERE shop_id = %s AND id > %s)"
        chosen_params = [shop.pk, since]
        rows = rows.filter(member__in=Purchase.objects.filter(shop=shop, pk__gt=since).values("member"))
    elif members is not None:
        chosen = "AND member_id IN ({})".format(", ".join(["%s"] * len(members)))
        chosen_params = list(members)
        rows = rows.filter(member__in=members)
    else:
        chosen, chosen_params = "", []
    rows.delete()
    params = [shop.pk, *([shop.pk, upto, *chosen_params] * 2)]
    with connection.cursor() as cursor:
        cursor.execute(_visits_sql(chosen), params)


@transaction.atomic
def shop_rollups(shop: Shop, *, as_of: datetime, seen: dict) -> int:
    """Roll up the shop's closed days that need it; returns how many of them had figures."""
    through = timezone.localtime(as_of, shop.tz).date() - timedelta(days=1)
    state = RollupState.objects.select_for_update().filter(shop=shop).first()
    if state is None:
        intervals = [(None, through + timedelta(days=1))]
        visits_rolled(shop, seen["purchase"])
    else:
        look_from = state.seen_before or state.seen
        days = arrived_days(shop, look_from) | set(DirtyDay.objects.filter(shop=shop).values_list("day", flat=True))
        days |= {through - timedelta(days=k) for k in range(max(SETTLE_DAYS, (through - state.through).days))}
        intervals = day_intervals(day for day in days if day <= through)
        visits_rolled(shop, seen["purchase"], since=look_from.get("purchase", 0))
    counted = days_rolled(shop, intervals) if intervals else 0
    DirtyDay.objects.filter(shop=shop, day__lte=through).delete()
    previous = state.seen if state else {}
    RollupState.objects.update_or_create(
        shop=shop, defaults={"through": through, "as_of": as_of, "seen": seen, "seen_before": previous}
    )
    return counted


@hooks.job("insights_rollups")
def rollups_job(*, as_of: datetime) -> dict:
    """Every shop's roll-ups brought up to its yesterday (the beat runs the jobs every 15 minutes)."""
    seen = seen_now()  # before reading any shop: a row committed while the job runs is read again next time
    days = shops = 0
    for shop in Shop.objects.select_related("program"):
        days += shop_rollups(shop, as_of=as_of, seen=seen)
        shops += 1
    return {"shops": shops, "days": days}


@hooks.on(hooks.MembersMerged)
def merged(event: hooks.MembersMerged) -> None:
    """A merge moves the duplicate's purchases to the kept member and uncounts the duplicate's enrolment: their
    visits are rewritten now, and the duplicate's day of joining is read live until the next run."""
    shop = event.keep.shop
    state = RollupState.objects.select_for_update().filter(shop=shop).first()
    if state is None:
        return
    visits_rolled(shop, state.seen["purchase"], members=[event.keep.pk, event.duplicate.pk])
    day = timezone.localtime(event.duplicate.created_at, shop.tz).date()
    DirtyDay.objects.get_or_create(shop=shop, day=day)
