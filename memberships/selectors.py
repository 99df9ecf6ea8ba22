"""Reads the portal's membership pages share: members per plan (by status now), revenue per month (what was kept,
less refunds), churn per month (memberships that ended without renewal), a plan's subscribers, and the savings
meter of a member's current period."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth

from loyalty.models import EntryKind, LedgerEntry

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


def savings_of(membership: Membership, at: datetime) -> dict:
    """What the current period saved the member: the extra points the plan's multiplier earned (at the point value),
    the monthly vouchers they used (at the rewards' value) — against what the period cost. The member discount is
    not in the ledger (the till applies it before the amount is sent), so it is left out rather than guessed."""
    payment = membership.payments.filter(period_start__lte=at).order_by("-period_start").first()
    start = payment.period_start if payment else membership.period_start
    multiplier = membership.plan.points_multiplier
    earned = (
        LedgerEntry.objects.filter(
            account_id=membership.member.account_id, kind=EntryKind.EARN, occurred_at__gte=start, occurred_at__lte=at
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    extra = int(earned - earned / multiplier) if multiplier > 1 else 0
    point_value = membership.shop.program.point_value
    used = MonthlyGrant.objects.filter(
        membership=membership, voucher__status="used", granted_at__gte=start
    ).select_related("voucher__reward")
    vouchers = sum((grant.voucher.reward.value for grant in used), Decimal(0))
    return {
        "extra_points": extra,
        "extra_points_value": extra * point_value,
        "vouchers_value": vouchers,
        "total": extra * point_value + vouchers,
        "price": payment.price if payment else Decimal(0),
    }
