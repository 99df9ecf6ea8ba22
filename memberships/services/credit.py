"""What changing plans is worth: the unused time of the current plan's payments, at what was paid for it (money and
points at their value), moves to the new plan as credit — proration by time, rounded once, half up."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from loyalty.money import round_money

from ..models import Membership, Payment, Status


def unused_share(payment: Payment, at: datetime) -> Decimal:
    """The part of the payment's period still ahead at `at`: 1 before it starts, 0 once it has ended."""
    length = (payment.period_end - payment.period_start).total_seconds()
    ahead = (payment.period_end - max(payment.period_start, at)).total_seconds()
    return min(Decimal(1), max(Decimal(0), Decimal(ahead) / Decimal(length))) if length > 0 else Decimal(0)


def is_plan_change(membership: Membership | None, plan, at: datetime) -> bool:
    """Buying `plan` is a change of plan when the member is active on another one (a trial or grace is not)."""
    return membership is not None and membership.plan_id != plan.pk and membership.status_at(at) == Status.ACTIVE


def change_credit(membership: Membership, at: datetime) -> tuple[Decimal, list[Payment]]:
    """The credit for the current plan's unused time, and the payments it comes from."""
    payments = list(membership.payments.filter(refunded_at__isnull=True, period_end__gt=at))
    credit = sum(((p.amount + p.points_value) * unused_share(p, at) for p in payments), Decimal(0))
    return round_money(credit, membership.shop.currency), payments
