"""The impact counter: what the shop's customers' actions funded ("312 trees planted"). Each purchase, refund
and donation adds one signed entry; the shop's total and a member's share are sums of entries, exact decimals.

A refund takes back the purchase's entry in proportion to the money refunded, rounded half up to the counter's
four places; the refund that completes the purchase takes back exactly what is left, so a wholly refunded
purchase adds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db.models import Sum

from loyalty.models import Member, Purchase, Refund
from loyalty.services.rules import eligible_spend

from ..models import Impact, ImpactEntry, ImpactPer, ImpactSource

PLACES = Decimal("0.0001")


def impact_of_purchase(impact: Impact, purchase: Purchase, lines, program) -> Decimal:
    """What a purchase adds, by the impact's `per`."""
    if impact.per == ImpactPer.AMOUNT:
        spend = eligible_spend(program, purchase.amount, list(lines))
        return (spend / impact.per_amount).to_integral_value(ROUND_FLOOR) * impact.quantity
    if impact.per == ImpactPer.VISIT_DAY and _visited_that_day(impact, purchase):
        return Decimal(0)
    return impact.quantity


def _visited_that_day(impact: Impact, purchase: Purchase) -> bool:
    """Whether another purchase of the member that day (by the shop's clock) already added to the counter."""
    tz = purchase.shop.tz
    day = purchase.occurred_at.astimezone(tz).date()
    start, day_after = (datetime(d.year, d.month, d.day, tzinfo=tz) for d in (day, day + timedelta(days=1)))
    return ImpactEntry.objects.filter(
        shop_id=impact.shop_id,
        member_id=purchase.member_id,
        source=ImpactSource.PURCHASE,
        purchase__occurred_at__gte=start,
        purchase__occurred_at__lt=day_after,
        quantity__gt=0,
    ).exists()


def impact_purchase(*, impact: Impact, purchase: Purchase, member: Member, lines, program) -> ImpactEntry | None:
    quantity = impact_of_purchase(impact, purchase, lines, program)
    if quantity <= 0:
        return None
    # Once per purchase: the purchase's own row is unique, and so is its entry (a partial unique index).
    return ImpactEntry.objects.create(
        shop_id=purchase.shop_id,
        member=member,
        source=ImpactSource.PURCHASE,
        purchase=purchase,
        quantity=quantity,
        occurred_at=purchase.occurred_at,
    )


def impact_refund(*, purchase: Purchase, refund: Refund, complete: bool, at: datetime) -> ImpactEntry | None:
    """Take back the refunded share of what the purchase added (its entry less what earlier refunds took)."""
    added = ImpactEntry.objects.filter(purchase=purchase, source=ImpactSource.PURCHASE).first()
    if added is None:
        return None
    taken = ImpactEntry.objects.filter(purchase=purchase, source=ImpactSource.REFUND).aggregate(s=Sum("quantity"))
    left = added.quantity + _exact(taken["s"])
    if complete or not purchase.amount:
        keep = Decimal(0)
    else:
        keep = (added.quantity * (purchase.amount - purchase.refunded_amount) / purchase.amount).quantize(
            PLACES, ROUND_HALF_UP
        )
    change = keep - left
    if change >= 0:
        return None
    return ImpactEntry.objects.create(
        shop_id=purchase.shop_id,
        member_id=purchase.member_id,
        source=ImpactSource.REFUND,
        purchase=purchase,
        refund=refund,
        quantity=change,
        occurred_at=at,
    )


def impact_donation(*, impact: Impact, voucher, member: Member, at: datetime) -> ImpactEntry:
    """A donation reward redeemed: the shop gives on the member's behalf, and the counter shows it."""
    return ImpactEntry.objects.create(
        shop_id=member.shop_id,
        member=member,
        source=ImpactSource.DONATION,
        voucher=voucher,
        quantity=impact.per_donation,
        occurred_at=at,
    )


def impact_total(shop, member: Member | None = None) -> Decimal:
    entries = ImpactEntry.objects.filter(shop=shop)
    if member is not None:
        entries = entries.filter(member=member)
    return _exact(entries.aggregate(total=Sum("quantity"))["total"])


def _exact(total) -> Decimal:
    """A sum of entries at the counter's four places: exact on PostgreSQL, and on SQLite (which adds decimals as
    floating point) the float's error, far below a ten-thousandth, rounded away."""
    return (total or Decimal(0)).quantize(PLACES, ROUND_HALF_UP)
