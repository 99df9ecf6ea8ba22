"""The program report: the figures behind the dashboard and `GET /api/v1/reports/program`, for a period of the
shop's calendar (`to` exclusive), the whole shop or one location. A fixed number of aggregate queries, whatever
the shop's size: no member's rows ever reach Python. What each figure means is in FIGURE_NOTES (the dashboard
says it under the figure) and docs/insights.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import ValidationFailed
from loyalty.models import Account, EntryKind, LedgerEntry, Location, Member, Purchase, Shop
from loyalty.money import round_money
from rewards.models import RewardKind, Voucher

from .cohorts import Cohort, cohorts
from .snapshots import snapshot_cohorts, snapshot_for, year_of_points

MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)
KEPT = ExpressionWrapper(F("amount") - F("refunded_amount"), output_field=MONEY_FIELD)
ISSUING_KINDS = (EntryKind.EARN, EntryKind.BONUS, EntryKind.REFERRAL, EntryKind.IMPORT)
# Rewards whose value is money the shop gives (a percentage off has no amount until it is used on a purchase).
COSTED_KINDS = (RewardKind.FREE_ITEM, RewardKind.AMOUNT_OFF, RewardKind.WALLET_CREDIT, RewardKind.GIFT)
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
    commissions: Decimal | None
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
    """Every figure of the period, however many rows they read: eight queries when last night's snapshot covers
    the period's year of points and cohorts (the usual view, up to today), eleven when they are computed now, and
    each program app's figures (one or two queries each)."""
    now = now or timezone.now()
    shop, currency = period.shop, period.shop.currency
    members = _members(period)
    sales = _purchases(period)
    recent = _recently_active(period, now)
    points = _points(period)
    outstanding = _outstanding(period, now)
    vouchers = _vouchers(period)
    snapshot = snapshot_for(period)
    year = (
        {"expired": snapshot.expired, "redeemed": snapshot.redeemed} if snapshot else year_of_points(shop, period.until)
    )
    liability = Decimal(outstanding) * shop.program.point_value
    breakage_rate = ratio(year["expired"], year["expired"] + year["redeemed"])
    found_cohorts = snapshot_cohorts(snapshot, period) if snapshot else None
    return Report(
        members_total=members["total"],
        members_enrolled=members["enrolled"],
        members_active=sales["active"],
        active_30=recent["active_30"],
        active_90=recent["active_90"],
        purchases=sales["purchases"],
        member_purchases=sales["member_purchases"],
        member_sales=round_money(sales["member_sales"], currency),
        other_sales=round_money(sales["other_sales"], currency),
        repeat_rate=ratio(sales["repeaters"], sales["active"]),
        points_issued=points["issued"] - points["reversed"],
        points_redeemed=points["redeemed"] - points["given_back"],
        points_expired=points["expired"],
        points_adjusted=points["adjusted"],
        points_outstanding=outstanding,
        liability=round_money(liability, currency),
        breakage_rate=breakage_rate,
        breakage=round_money(liability * breakage_rate, currency),
        vouchers_issued=vouchers["issued"],
        vouchers_used=vouchers["used"],
        rewards_cost=round_money(vouchers["cost"], currency),
        commissions=_commissions(period),
        cohorts=cohorts(period) if found_cohorts is None else found_cohorts,
        as_of=snapshot.as_of if snapshot else None,
        extras=_extras(period, now),
    )


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.since, f"{name}__lt": period.until})


def _members(period: Period) -> dict:
    """Members are people: a duplicate merged into another is not counted; an erased member still is."""
    rows = Member.objects.filter(shop=period.shop, merged_into__isnull=True, created_at__lt=period.until)
    if period.location:
        rows = rows.filter(enrolled_location=period.location)
    return rows.aggregate(total=Count("id"), enrolled=Count("id", filter=_in(period, "created_at")))


def _purchase_rows(period: Period, since: datetime):
    rows = Purchase.objects.filter(shop=period.shop, occurred_at__gte=since, occurred_at__lt=period.until)
    return rows.filter(location=period.location) if period.location else rows


def _purchases(period: Period) -> dict:
    """One pass over the period's purchases, grouped by member (the purchases without one are one group), so
    the active members and the repeaters are counted without a DISTINCT."""
    zero = Decimal(0)
    per_member = (
        _purchase_rows(period, period.since)
        .order_by()
        .values("member")
        .annotate(n=Count("id"), kept=Sum(KEPT, default=zero))
    )
    member = Q(member__isnull=False)
    return per_member.aggregate(
        purchases=Sum("n", default=0),
        member_purchases=Sum("n", filter=member, default=0),
        member_sales=Sum("kept", filter=member, default=zero),
        other_sales=Sum("kept", filter=~member, default=zero),
        active=Count("member", filter=member),
        repeaters=Count("member", filter=member & Q(n__gte=2)),
    )


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


def _points(period: Period) -> dict:
    """The ledger of the period. An entry without a location of its own (an expiry, a refund's reversal) belongs
    to the location of the lot it took from."""
    rows = LedgerEntry.objects.filter(shop=period.shop).filter(_in(period, "occurred_at"))
    if period.location:
        rows = rows.filter(Q(location=period.location) | Q(location__isnull=True, reverses__location=period.location))

    def total(kind: str, sign: int = 1):
        return Sum(F("points") * sign, filter=Q(kind=kind), default=0)

    return rows.aggregate(
        issued=Sum("points", filter=Q(kind__in=ISSUING_KINDS), default=0),
        reversed=total(EntryKind.REVERSE, -1),
        redeemed=total(EntryKind.REDEEM, -1),
        given_back=total(EntryKind.REFUND_REDEEM),
        expired=total(EntryKind.EXPIRE, -1),
        adjusted=total(EntryKind.ADJUST),
    )


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


def _vouchers(period: Period) -> dict:
    rows = Voucher.objects.filter(shop=period.shop)
    issued, used = _in(period, "issued_at"), _in(period, "used_at")
    if period.location:
        issued &= Q(redemption_entry__location=period.location)
        used &= Q(used_purchase__location=period.location)
    return rows.aggregate(
        issued=Count("id", filter=issued),
        used=Count("id", filter=used),
        cost=Sum("reward__value", filter=used & Q(reward__kind__in=COSTED_KINDS), default=Decimal(0)),
    )


def _commissions(period: Period) -> Decimal | None:
    """What partners earned on the period's sales (less clawbacks; rejected ones not), or None without the
    partner program installed."""
    if not apps.is_installed("partners"):
        return None
    commission = apps.get_model("partners", "Commission")
    rows = commission.objects.filter(shop=period.shop).filter(_in(period, "occurred_at")).exclude(status="rejected")
    if period.location:
        rows = rows.filter(purchase__location=period.location)
    amount = rows.aggregate(total=Sum("amount", default=Decimal(0)))["total"]
    return round_money(amount, period.shop.currency)


def _extras(period: Period, now: datetime) -> list:
    """The figures the program apps registered (the referral funnel, membership revenue and churn)."""
    return [
        (figure, figure.compute(period.shop, period.since, period.until, period.location, now))
        for figure in hooks.report_figures()
    ]
