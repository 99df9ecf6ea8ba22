"""The life of a commission: created pending on a bound customer's purchase with its rate locked, shrunk in
proportion by refunds until it is on a payout statement (a refund after that is a negative clawback the next
payout nets), approved `hold_days` after the sale by the periodic job, paid by a payout.

Money is rounded once, half up, to the currency's minor unit (loyalty.money.round_money), always from the exact
figures (the amount paid less what was refunded, times the locked percent), never from an earlier rounding."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from loyalty import hooks
from loyalty.models import Member, Purchase, Refund
from loyalty.money import quantum, round_money

from ..models import Binding, Commission, CommissionKind, CommissionStatus, Partner, Plan, PlanKind
from .programs import buys_for_themselves

APPROVE_BATCH = 500


# ---------------------------------------------------------------- the rate


def months_after(moment: datetime, months: int, tz) -> datetime:
    """The same wall-clock moment `months` calendar months later in the shop's time zone (the 31st becomes the
    month's last day)."""
    local = moment.astimezone(tz)
    year, month = divmod(local.month - 1 + months, 12)
    year, month = local.year + year, month + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def month_of(moment: datetime, tz) -> tuple[datetime, datetime]:
    """The calendar month (in the shop's time zone) the moment falls in: [start, end)."""
    local = moment.astimezone(tz)
    start = datetime(local.year, local.month, 1, tzinfo=tz)
    return start, months_after(start, 1, tz)


def rate_for(plan: Plan, sales: int) -> Decimal:
    """The percent for the partner's `sales`-th sale of the month: the highest level it reaches, else the plan's."""
    percent = plan.percent
    for level in plan.levels:
        if sales >= level["sales"]:
            percent = Decimal(level["percent"])
    return percent


def sales_in_month(partner: Partner, occurred_at: datetime, tz) -> int:
    """The partner's sales in the calendar month of `occurred_at` that earned a commission (rejected ones, refunded
    in full or bought by the partner themselves, do not count)."""
    start, end = month_of(occurred_at, tz)
    return (
        Commission.objects.filter(
            partner=partner, kind=CommissionKind.SALE, occurred_at__gte=start, occurred_at__lt=end
        )
        .exclude(status=CommissionStatus.REJECTED)
        .count()
    )


# ---------------------------------------------------------------- creating


def commission_due(base: Decimal, refunded: Decimal, percent: Decimal, currency: str) -> Decimal:
    """The commission on what the customer kept: rounded once, half up; a partial refund never brings a commission
    that was worth something to zero (one minor unit stays)."""
    kept = base - refunded
    if kept <= 0:
        return Decimal(0).quantize(quantum(currency))
    due = round_money(kept * percent / 100, currency)
    if due == 0 and round_money(base * percent / 100, currency) > 0:
        return quantum(currency)
    return due


def sale_commission(*, binding: Binding, purchase: Purchase, member: Member, first: bool) -> Commission | None:
    """The commission of a bound customer's purchase, when the partner's plan pays for it."""
    partner, shop = binding.partner, purchase.shop
    plan = partner.plan
    if not partner.active or purchase.amount <= 0:
        return None
    if plan.kind == PlanKind.ONE_TIME and not first:
        return None
    if plan.months is not None and purchase.occurred_at >= months_after(binding.bound_at, plan.months, shop.tz):
        return None
    if buys_for_themselves(partner, member):
        return _commission_insert(partner, member, purchase, plan.percent, Decimal(0), reason="self_purchase")
    percent = plan.percent
    if plan.levels:
        # One partner's sales are counted one at a time, so two sales racing for a level cannot both miss it.
        Partner.objects.select_for_update(no_key=True).filter(pk=partner.pk).values_list("pk").first()
        percent = rate_for(plan, sales_in_month(partner, purchase.occurred_at, shop.tz) + 1)
    amount = commission_due(purchase.amount, Decimal(0), percent, shop.currency)
    return _commission_insert(partner, member, purchase, percent, amount)


def _commission_insert(partner, member, purchase, percent, amount, *, reason: str = "") -> Commission:
    return Commission.objects.create(
        shop_id=purchase.shop_id,
        partner=partner,
        member=member,
        purchase=purchase,
        kind=CommissionKind.SALE,
        status=CommissionStatus.REJECTED if reason else CommissionStatus.PENDING,
        percent=percent,
        base=purchase.amount,
        amount=amount,
        reason=reason,
        occurred_at=purchase.occurred_at,
        approve_at=purchase.occurred_at + timedelta(days=partner.plan.hold_days),
    )


# ---------------------------------------------------------------- refunds


def refund_applied(*, purchase: Purchase, refund: Refund, complete: bool, at: datetime) -> Commission | None:
    """A refund of a purchase that earned a commission. Before the commission is on a payout statement it shrinks
    to what is due on the amount kept (rejected when nothing is kept); after, a clawback takes the difference,
    approved at once so that the next statement nets it. Returns the clawback, if one was made.

    The sale's commission row is locked first, so refunds and a payout racing on it are judged one at a time."""
    sale = Commission.objects.select_for_update().filter(purchase=purchase, kind=CommissionKind.SALE).first()
    if sale is None or sale.status == CommissionStatus.REJECTED:
        return None
    currency = purchase.shop.currency
    refunded = purchase.refunded_amount
    due = Decimal(0) if complete else commission_due(sale.base, refunded, sale.percent, currency)
    if sale.payout_id is None:
        sale.refunded, sale.amount = min(refunded, sale.base), due
        if due == 0:
            sale.status, sale.reason = CommissionStatus.REJECTED, "refunded"
        sale.save(update_fields=["refunded", "amount", "status", "reason"])
        return None
    clawed = Commission.objects.filter(purchase=purchase, kind=CommissionKind.CLAWBACK).aggregate(s=Sum("amount"))["s"]
    difference = due - (sale.amount + (clawed or 0))
    if difference >= 0:
        return None
    return Commission.objects.create(
        shop_id=purchase.shop_id,
        partner_id=sale.partner_id,
        member_id=sale.member_id,
        purchase=purchase,
        refund=refund,
        kind=CommissionKind.CLAWBACK,
        status=CommissionStatus.APPROVED,
        percent=sale.percent,
        base=sale.base,
        refunded=refund.amount,
        amount=difference,
        reason="refunded_after_payout",
        occurred_at=at,
        approve_at=at,
        approved_at=at,
    )


# ---------------------------------------------------------------- approval


@hooks.job("commissions_approved")
def commissions_approve(*, as_of: datetime) -> int:
    """Pending commissions whose hold ended by `as_of` are approved, in short batches in id order; a re-run for
    the same moment finds nothing, and a refund racing with it is judged on the locked row either way."""
    approved, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                Commission.objects.filter(status=CommissionStatus.PENDING, approve_at__lte=as_of, pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:APPROVE_BATCH]
            )
            if not ids:
                return approved
            approved += Commission.objects.filter(pk__in=ids, status=CommissionStatus.PENDING).update(
                status=CommissionStatus.APPROVED, approved_at=as_of
            )
        after = ids[-1]
