"""Reads the portal's membership pages share: members per plan (by status now), revenue per month (what was kept,
less refunds), churn per month (memberships that ended without renewal), a plan's subscribers, and the savings
meter of a member's current period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from loyalty.models import Purchase
from loyalty.money import round_money
from rewards.models import RewardKind, VoucherStatus

from .models import Membership, MembershipPlan, MonthlyGrant, Payment
from .services.periods import add_months


def _benefits_now(at: datetime) -> Q:
    """Memberships with benefits at `at`, judged from the dates (as Membership.benefits_at does)."""
    not_cancelled = Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at)
    in_time = Q(ends_at__gt=at) | Q(cancel_at_period_end=False, grace_ends_at__gt=at)
    return not_cancelled & in_time & Q(started_at__lte=at)


def plan_report(shop, at: datetime) -> list[MembershipPlan]:
    """Every plan of the shop with its members now (with benefits; of them in grace) and those whose membership
    ended, and the money its payments kept (less refunds)."""
    benefits = _benefits_now(at)
    counts = {
        row["plan_id"]: row
        for row in Membership.objects.filter(shop=shop)
        .values("plan_id")
        .annotate(
            members=Count("id", filter=benefits),
            in_grace=Count("id", filter=benefits & Q(ends_at__lte=at)),
            ended=Count("id", filter=~benefits),
        )
    }
    kept = dict(
        Payment.objects.filter(shop=shop)
        .values("plan_id")
        .annotate(kept=Sum(F("amount") - F("refunded_amount")))
        .values_list("plan_id", "kept")
    )
    plans = list(MembershipPlan.objects.filter(shop=shop))
    for plan in plans:
        row = counts.get(plan.pk, {})
        plan.members, plan.in_grace, plan.ended = row.get("members", 0), row.get("in_grace", 0), row.get("ended", 0)
        plan.revenue = kept.get(plan.pk) or Decimal(0)
    return plans


def revenue_by_month(shop, at: datetime, months: int = 12) -> list[dict]:
    """Money kept from membership payments per calendar month of the shop's time zone (the last `months` months),
    with the points taken and the number of payments; money less what was refunded."""
    since = add_months(
        at.astimezone(shop.tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0), 1 - months, shop.tz
    )
    rows = (
        Payment.objects.filter(shop=shop, paid_at__gte=since)
        .annotate(month=TruncMonth("paid_at", tzinfo=shop.tz))
        .values("month")
        .annotate(
            kept=Sum(F("amount") - F("refunded_amount")),
            points=Sum(F("points") - F("refunded_points")),
            payments=Count("id"),
        )
        .order_by("-month")
    )
    return [{**row, "kept": row["kept"] or Decimal(0)} for row in rows]


def churn_by_month(shop, at: datetime, months: int = 12) -> dict:
    """Memberships that ended (expired after their grace, or cancelled) per month, keyed by the month's first day."""
    since = add_months(
        at.astimezone(shop.tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0), 1 - months, shop.tz
    )
    ended = Membership.objects.filter(shop=shop, grace_ends_at__gte=since, grace_ends_at__lte=at).exclude(
        _benefits_now(at)
    )
    rows = ended.annotate(month=TruncMonth("grace_ends_at", tzinfo=shop.tz)).values("month").annotate(n=Count("id"))
    return {row["month"].date(): row["n"] for row in rows}


def subscribers_of(plan: MembershipPlan):
    return Membership.objects.filter(plan=plan).select_related("member").order_by("-ends_at")


@dataclass(frozen=True)
class Savings:
    """What a membership saved over a stretch of time, in money: the member discount on what was paid (worked back
    from the amounts, as the till applied it: paid × d ÷ (100 − d)), the extra points the multiplier earned at the
    point value, and the monthly vouchers used at their rewards' value."""

    discounts: Decimal
    extra_points: int
    extra_points_value: Decimal
    vouchers_value: Decimal
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.discounts + self.extra_points_value + self.vouchers_value


def _savings(plan, shop, purchases, grants, price: Decimal) -> Savings:
    figures = purchases.aggregate(kept=Sum(F("amount") - F("refunded_amount")), earned=Sum("points_earned"))
    kept, earned = figures["kept"] or Decimal(0), figures["earned"] or 0
    percent = plan.discount_percent
    discounts = round_money(kept * percent / (100 - percent), shop.currency) if 0 < percent < 100 else Decimal(0)
    multiplier = plan.points_multiplier
    extra = (
        int((Decimal(earned) * (multiplier - 1) / multiplier).to_integral_value(ROUND_FLOOR)) if multiplier > 1 else 0
    )
    money_rewards = (RewardKind.FREE_ITEM, RewardKind.AMOUNT_OFF, RewardKind.GIFT)
    used = grants.filter(voucher__status=VoucherStatus.USED, voucher__reward__kind__in=money_rewards)
    vouchers = used.aggregate(total=Sum("voucher__reward__value"))["total"] or Decimal(0)
    return Savings(
        discounts=discounts,
        extra_points=extra,
        extra_points_value=round_money(extra * shop.program.point_value, shop.currency),
        vouchers_value=vouchers,
        price=price,
    )


def savings_of(membership: Membership, at: datetime) -> Savings:
    """The savings meter of the member's current period (the payment whose period holds `at`), against its price."""
    payment = membership.payments.filter(period_start__lte=at, period_end__gt=at).order_by("-period_start").first()
    start = payment.period_start if payment else membership.started_at
    purchases = Purchase.objects.filter(member_id=membership.member_id, occurred_at__gte=start, occurred_at__lte=at)
    grants = MonthlyGrant.objects.filter(membership=membership, granted_at__gte=start, granted_at__lte=at)
    return _savings(membership.plan, membership.shop, purchases, grants, payment.price if payment else Decimal(0))


def plan_savings(plan: MembershipPlan, at: datetime, days: int = 30) -> Savings:
    """The same meter for all the plan's members with benefits now, over the last `days` days of their
    membership, against the plan's revenue kept in that time."""
    since = at - timedelta(days=days)
    members = Membership.objects.filter(plan=plan).filter(_benefits_now(at))
    purchases = Purchase.objects.filter(
        member__membership__in=members, occurred_at__gte=since, occurred_at__lte=at,
        occurred_at__gt=F("member__membership__started_at"),
    )  # fmt: skip
    grants = MonthlyGrant.objects.filter(membership__in=members, granted_at__gte=since, granted_at__lte=at)
    revenue = Payment.objects.filter(plan=plan, paid_at__gte=since, paid_at__lte=at).aggregate(
        kept=Sum(F("amount") - F("refunded_amount"))
    )["kept"]
    return _savings(plan, plan.shop, purchases, grants, revenue or Decimal(0))
