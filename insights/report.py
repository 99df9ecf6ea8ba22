"""The program report: the figures behind the dashboard and `GET /api/v1/reports/program`, for a period of the
shop's calendar (`to` exclusive), the whole shop or one location. A fixed number of aggregate queries, whatever
the shop's size: no member's rows ever reach Python; the closed days' sums come from the roll-ups (rollups.py).
What each figure means is in views/figures.py (the dashboard says it under the figure) and docs/insights.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.models import Account, LedgerEntry, Location, Purchase, Shop
from loyalty.money import round_money
from loyalty.services.purchases import FUTURE_TOLERANCE

from .cohorts import Cohort, cohorts
from .coverage import Coverage, coverage, rolled_sums, visits_counts
from .snapshots import snapshot_cohorts, snapshot_for, year_of_points
from .sums import FIELDS, PERIOD_SUMS, at_place, during, enrolments

MAX_DAYS = 3 * 366
RATE = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """Days of the shop's calendar, [start, end), and the moments they begin and end there."""

    shop: Shop
    start: date
    end: date
    location: Location | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=self.shop.tz)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(0), tzinfo=self.shop.tz)


def period_of(shop: Shop, start: date, end: date, location: Location | None = None) -> Period:
    if end <= start:
        raise ValidationFailed(fields={"to": "must be after from"})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(fields={"to": f"at most {MAX_DAYS} days after from"})
    return Period(shop, start, end, location)


def last_days(shop: Shop, days: int, *, now: datetime | None = None) -> tuple[date, date]:
    """The `days` days up to and including today, on the shop's calendar."""
    today = timezone.localtime(now or timezone.now(), shop.tz).date()
    return today - timedelta(days=days - 1), today + timedelta(days=1)


@dataclass(frozen=True)
class Report:
    members_total: int
    members_enrolled: int
    members_active: int
    active_30: int
    active_90: int
    purchases: int
    member_purchases: int
    member_sales: Decimal
    other_sales: Decimal
    repeat_rate: Decimal
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_adjusted: int
    points_outstanding: int
    liability: Decimal
    breakage_rate: Decimal
    breakage: Decimal
    vouchers_issued: int
    vouchers_used: int
    rewards_cost: Decimal
    cohorts: list[Cohort] = field(default_factory=list)
    # The program apps' figures (loyalty.hooks.report_figure): each with its values, in the registry's order.
    extras: list[tuple[hooks.ReportFigure, list[hooks.FigureValue]]] = field(default_factory=list)
    as_of: datetime | None = None  # the snapshot's moment, when the breakage rate (and maybe the cohorts) came from it

    @property
    def visits_per_member(self) -> Decimal:
        return ratio(self.member_purchases, self.members_active, places=Decimal("0.01"))

    @property
    def other_purchases(self) -> int:
        return self.purchases - self.member_purchases

    @property
    def member_average(self) -> Decimal:
        return ratio(self.member_sales, self.member_purchases, places=Decimal(1))

    @property
    def other_average(self) -> Decimal:
        return ratio(self.other_sales, self.other_purchases, places=Decimal(1))

    @property
    def redemption_rate(self) -> Decimal:
        return ratio(self.points_redeemed, self.points_issued)


def ratio(part, whole, *, places: Decimal = RATE) -> Decimal:
    """part / whole rounded half up (0 when there is no whole)."""
    if not whole:
        return Decimal(0).quantize(places)
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def program_report(period: Period, *, now: datetime | None = None) -> Report:
    """Every figure of the period. Its sums come from the nightly roll-ups for its closed days and from live
    queries for the rest (coverage.py); who bought in it, from the members' latest visits when it runs up to now.
    The breakage rate and the cohorts come from last night's snapshot when it covers them; each program app adds
    its own figures (one or two queries each)."""
    now = now or timezone.now()
    shop, currency = period.shop, period.shop.currency
    cover = coverage(shop)
    sums = _sums(period, cover)
    active = _active(period, cover, now)
    outstanding = _outstanding(period, now)
    snapshot = snapshot_for(period)
    year = (
        {"expired": snapshot.expired, "redeemed": snapshot.redeemed} if snapshot else year_of_points(shop, period.until)
    )
    liability = Decimal(outstanding) * shop.program.point_value
    breakage_rate = ratio(year["expired"], year["expired"] + year["redeemed"])
    found_cohorts = snapshot_cohorts(snapshot, period) if snapshot else None
    return Report(
        members_total=sums["members_total"],
        members_enrolled=sums["enrolled"],
        members_active=active["active"],
        active_30=active["active_30"],
        active_90=active["active_90"],
        purchases=sums["purchases"],
        member_purchases=sums["member_purchases"],
        member_sales=round_money(sums["member_sales"], currency),
        other_sales=round_money(sums["other_sales"], currency),
        repeat_rate=ratio(active["repeaters"], active["active"]),
        points_issued=sums["issued"] - sums["reversed"],
        points_redeemed=sums["redeemed"] - sums["given_back"],
        points_expired=sums["expired"],
        points_adjusted=sums["adjusted"],
        points_outstanding=outstanding,
        liability=round_money(liability, currency),
        breakage_rate=breakage_rate,
        breakage=round_money(liability * breakage_rate, currency),
        vouchers_issued=sums["vouchers_issued"],
        vouchers_used=sums["vouchers_used"],
        rewards_cost=round_money(sums["rewards_cost"], currency),
        cohorts=cohorts(period) if found_cohorts is None else found_cohorts,
        as_of=snapshot.as_of if snapshot else None,
        extras=_extras(period, now),
    )


def _sums(period: Period, cover: Coverage) -> dict:
    """The additive figures: the rolled-up days' sums plus the live sums of the other days (sums.py)."""
    shop, location = period.shop, period.location
    found = dict.fromkeys(("members_total", *FIELDS), 0)

    def add(values: dict) -> None:
        for key, value in values.items():
            found[key] += value

    add(rolled_sums(shop, cover, period.start, period.end, location) or {})
    if ever := cover.live(None, period.end):
        rows, place, _field, _sums = enrolments(shop, during(shop, ever))
        add(
            at_place(rows, place, location).aggregate(
                members_total=Count("id"), enrolled=Count("id", filter=Q(created_at__gte=period.since))
            )
        )
    if live := cover.live(period.start, period.end):
        when = during(shop, live)
        for source in PERIOD_SUMS:
            rows, place, _field, sums = source(shop, when)
            add(at_place(rows, place, location).aggregate(**sums))
    return found


def _purchase_rows(period: Period, since: datetime):
    rows = Purchase.objects.filter(shop=period.shop, occurred_at__gte=since, occurred_at__lt=period.until)
    return rows.filter(location=period.location) if period.location else rows


def _active(period: Period, cover: Coverage, now: datetime) -> dict:
    """Who bought: in the period, twice or more, and in the 30 and 90 days before its end. A period running up
    to now, once the roll-ups exist, reads the members' latest visits (coverage.visits_counts); any other
    reads its purchases."""
    recent = (period.until - timedelta(days=30), period.until - timedelta(days=90))
    if cover.through is None or period.until < now + FUTURE_TOLERANCE:
        return _purchasers(period) | _recently_active(period, now)
    if period.location is None:  # the accounts' latest purchase, as when read live
        found = visits_counts(period.shop, cover, period.since, None, (period.since, period.since))
        return found | _recently_active(period, now)
    return visits_counts(period.shop, cover, period.since, period.location, recent)


def _purchasers(period: Period) -> dict:
    """One pass over the period's purchases of members, grouped by member, so the active members and the
    repeaters are counted without a DISTINCT."""
    per_member = (
        _purchase_rows(period, period.since)
        .filter(member__isnull=False)
        .order_by()
        .values("member")
        .annotate(n=Count("id"))
    )
    return per_member.aggregate(active=Count("member"), repeaters=Count("member", filter=Q(n__gte=2)))


def _recently_active(period: Period, now: datetime) -> dict:
    """Members with a purchase in the 30 and 90 days before the period's end. For the whole shop up to now, from
    the accounts' latest purchase (one row a member); otherwise from the purchases of those 90 days."""
    until = period.until
    day_30, day_90 = until - timedelta(days=30), until - timedelta(days=90)
    if period.location is None and until >= now:
        accounts = Account.objects.filter(
            program=period.shop.program, closed_at__isnull=True, last_purchase_at__gte=day_90
        )
        return accounts.aggregate(active_30=Count("id", filter=Q(last_purchase_at__gte=day_30)), active_90=Count("id"))
    latest = (
        _purchase_rows(period, day_90)
        .filter(member__isnull=False)
        .order_by()
        .values("member")
        .annotate(last=Max("occurred_at"))
    )
    return latest.aggregate(active_30=Count("member", filter=Q(last__gte=day_30)), active_90=Count("member"))


def _outstanding(period: Period, now: datetime) -> int:
    """Points members hold at the period's end (available and pending; a debt counts as none). A period ending
    now or later reads the accounts' cached balances; one that ended earlier sums each account's ledger up to
    then. Points belong to the account, not to a location: this is the whole shop's."""
    program = period.shop.program
    if period.until >= now:
        rows = Account.objects.filter(program=program, points_balance__gt=0)
        return rows.aggregate(points=Sum("points_balance", default=0))["points"]
    balances = (
        LedgerEntry.objects.filter(account__program=program, occurred_at__lt=period.until)
        .order_by()
        .values("account")
        .annotate(balance=Sum("points"))
        .filter(balance__gt=0)
    )
    return balances.aggregate(points=Sum("balance", default=0))["points"]


def _extras(period: Period, now: datetime) -> list:
    """The figures the program apps registered (the referral funnel, membership revenue and churn)."""
    return [
        (figure, figure.compute(period.shop, period.since, period.until, period.location, now))
        for figure in hooks.report_figures()
    ]
