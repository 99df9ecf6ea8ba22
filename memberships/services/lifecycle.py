"""Buying, renewing, cancelling and refunding memberships. Every write locks the member's account first (the one lock
order of LEDGER.md: a points part is a spend), then the membership row, so concurrent payments for one member
serialise and each is judged on what the one before it left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, ValidationFailed
from loyalty.models import EntryKind, Member
from loyalty.money import money_str, round_money
from loyalty.services.ledger import Actor, account_lock, points_give_back, points_spend, spend_lots
from loyalty.services.transactions import atomic_service
from loyalty.services.webhooks import points_changed, webhook_emit

from ..errors import AlreadyCancelled, DuplicatePayment, PriceChanged
from ..models import Membership, MembershipPlan, Payment, PaymentMethod, Period, Status
from .credit import change_credit, is_plan_change, unused_share
from .grants import grants_take_back, month_grant
from .messages import membership_message
from .periods import add_days, add_months
from .plans import plan_get, price_for

MAX_REFERENCE = 200


@dataclass(frozen=True)
class Paid:
    payment: Payment
    membership: Membership


def membership_event(membership: Membership, change: str, at: datetime) -> None:
    """membership.changed, for the shop's webhooks: what changed and the membership as it is now."""

    def data():
        return {
            "member": str(membership.member_id),
            "plan": membership.plan.code,
            "status": membership.status_at(at),
            "change": change,
            "ends_at": membership.ends_at,
        }

    webhook_emit(membership.shop, "membership.changed", data, at=at)


def amount_checked(amount_paid: Decimal, points: int, reference: str) -> str:
    if amount_paid < 0:
        raise ValidationFailed(fields={"amount_paid": _("must not be negative")})
    if isinstance(points, bool) or points < 0:
        raise ValidationFailed(fields={"points": _("must be a whole number, 0 or more")})
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise ValidationFailed(fields={"payment_reference": _("must be at most 200 characters")})
    return reference


def points_worth(shop, points: int, price: Decimal) -> Decimal:
    """What the points part is worth at the program's point value, rounded once, half up."""
    if not points:
        return Decimal(0)
    point_value = shop.program.point_value
    if point_value <= 0:
        raise ValidationFailed(fields={"points": _("this program's points have no money value")})
    value = round_money(points * point_value, shop.currency)
    if value > price:
        raise ValidationFailed(fields={"points": _("worth more than the price")})
    return value


def _next_period(membership: Membership | None, plan: MembershipPlan, at: datetime, tz) -> tuple[datetime, bool]:
    """Where the period being paid for starts, and whether it continues the current run. Early renewal extends from
    the current end (no day lost); renewal within grace continues from the old end; after that, from now. Another
    plan while active starts now (the old plan's unused time is credit); after a trial, at the trial's end."""
    if membership is None:
        return at, False
    status = membership.status_at(at)
    if status in (Status.EXPIRED, Status.CANCELLED):
        return at, False
    if membership.plan_id != plan.pk:
        if status == Status.GRACE:
            return at, False  # nothing left of the old plan: a new run of the new one
        if status == Status.ACTIVE:
            return at, True  # a change of plan: from now, the old plan's unused time as credit
    return membership.ends_at, True


@atomic_service
def membership_purchase(
    *,
    member: Member,
    plan_code: str,
    amount_paid: Decimal,
    points: int = 0,
    method: str = PaymentMethod.OTHER,
    reference: str = "",
    actor: Actor | None = None,
    at: datetime | None = None,
) -> Paid:
    """Start or renew the member's membership of the plan. The price is the quote of this moment, judged under the
    account's lock: `amount_paid` (money) plus the worth of `points` must equal it, else PriceChanged with the price.
    A payment reference names one charge (DuplicatePayment the second time)."""
    at = at or timezone.now()
    shop = member.shop
    actor = actor or Actor(shop=shop)
    reference = amount_checked(amount_paid, points, reference)
    if method not in PaymentMethod.values:
        raise ValidationFailed(fields={"payment_method": _("unknown payment method")})
    plan = plan_get(shop, plan_code)
    account = account_lock(member.account_id)
    member.account = account
    lots = spend_lots(account, at)
    price = price_for(plan, member, sum(lot.remaining for lot in lots))
    membership = Membership.objects.select_for_update().select_related("plan", "shop").filter(member=member).first()
    changing = is_plan_change(membership, plan, at)
    credit, credited = change_credit(membership, at) if changing else (Decimal(0), [])
    due = max(price - credit, Decimal(0))
    points_value = points_worth(shop, points, due)
    if amount_paid != due - points_value:
        raise PriceChanged(
            _("The price is %(price)s now.") % {"price": money_str(price, shop.currency)},
            fields={
                "price": money_str(price, shop.currency),
                "credit": money_str(credit, shop.currency),
                "amount_due": money_str(due - points_value, shop.currency),
            },
        )
    if reference and Payment.objects.filter(shop=shop, reference=reference).exists():
        raise DuplicatePayment(_("A payment with this reference is recorded already."))
    for old in credited:  # their unused time is the credit now: it ends at the change
        old.period_end = max(old.period_start, at)
        old.save(update_fields=["period_end"])
    start, continues = _next_period(membership, plan, at, shop.tz)
    membership, end = _membership_moved(
        membership, member=member, plan=plan, start=start, at=at, fresh=not continues, changing=changing
    )
    entry = None
    if points:
        entry = points_spend(
            account=account, actor=actor, kind=EntryKind.REDEEM, points=points, at=at,
            source=f"membership:{plan.code}", lots=lots,
        )  # fmt: skip
        points_changed(shop, account, change=-points, reason=f"membership:{plan.code}")
    payment = _payment_insert(
        Payment(
            shop=shop, membership=membership, plan=plan, price=price, credit=credit, amount=amount_paid, points=points,
            points_value=points_value, method=PaymentMethod.POINTS if points and not amount_paid else method,
            reference=reference, staff=actor.staff, api_key=actor.api_key, points_entry=entry,
            period_start=start, period_end=end, paid_at=at,
        )
    )  # fmt: skip
    membership_event(membership, "changed" if changing else "renewed" if continues else "started", at)
    if membership.status_at(at) == Status.ACTIVE:
        month_grant(membership, at)
    membership_message(membership, "membership_receipt", at, payment=payment)
    return Paid(payment=payment, membership=membership)


def _payment_insert(payment: Payment) -> Payment:
    """The payment's row; a reference another member's payment took at the same moment is a duplicate too."""
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        raise DuplicatePayment(_("A payment with this reference is recorded already.")) from None
    return payment


def _membership_moved(membership, *, member, plan, start, at, fresh: bool, changing: bool):
    """The membership after a payment for the period from `start`, and that period's end. A new run starts now, a
    continued one keeps its start. Renewals of the same plan count periods from the cycle's anchor, so a cycle that
    began on the 31st ends on the last day of short months and on the 31st again after them (no drift)."""
    tz = member.shop.tz
    if membership is None:
        membership = Membership(shop=member.shop, member=member, started_at=at)
    if fresh:
        membership.started_at, membership.trial_ends_at = at, None
        membership.period_start = start
    if fresh or changing or membership.plan_id != plan.pk or not membership.periods or membership.anchor is None:
        membership.anchor, membership.periods = start, 0  # a new billing cycle starts with this period
    membership.periods += 1
    months = 12 if plan.period == Period.YEAR else 1
    end = add_months(membership.anchor, months * membership.periods, tz)
    membership.plan, membership.ends_at = plan, end
    membership.grace_ends_at = add_days(end, plan.grace_days, tz)
    membership.cancel_at_period_end, membership.cancelled_at = False, None
    membership.status = membership.status_at(at)
    membership.save()
    return membership, end


@atomic_service
def membership_trial_start(*, member: Member, plan_code: str, at: datetime | None = None) -> Membership:
    """The plan's free trial, once per member: benefits for `trial_days`, then grace and expiry unless paid."""
    at = at or timezone.now()
    plan = plan_get(member.shop, plan_code)
    if not plan.trial_days:
        raise ValidationFailed(fields={"plan": _("this plan has no free trial")})
    account_lock(member.account_id)
    membership = Membership.objects.select_for_update().filter(member=member).first()
    if membership is not None and (membership.trial_used or membership.benefits_at(at)):
        raise DomainError(_("The member has had the free trial or is a member already."))
    tz = member.shop.tz
    end = add_days(at, plan.trial_days, tz)
    membership = membership or Membership(shop=member.shop, member=member)
    membership.plan, membership.started_at, membership.period_start = plan, at, at
    membership.trial_ends_at, membership.ends_at, membership.trial_used = end, end, True
    membership.anchor, membership.periods = None, 0  # the paid cycle starts at the trial's end
    membership.grace_ends_at = add_days(end, plan.grace_days, tz)
    membership.cancel_at_period_end, membership.cancelled_at = False, None
    membership.status = Status.TRIAL
    membership.save()
    membership_event(membership, "trial_started", at)
    return membership


def membership_locked(membership: Membership) -> Membership:
    """The account first, then the membership (the one lock order)."""
    account_lock(membership.member.account_id)
    return Membership.objects.select_for_update().select_related("plan", "shop", "member").get(pk=membership.pk)


@atomic_service
def membership_cancel(
    *, membership: Membership, at_once: bool = False, refund: bool = False, actor: Actor | None = None, at=None
) -> Membership:
    """Cancel at the period's end (benefits until then, no grace after), or at once; at once with `refund` gives
    back the unused share of every payment (money to hand back, points as lots with their own dates) and takes
    back the unused monthly vouchers."""
    at = at or timezone.now()
    membership = membership_locked(membership)
    actor = actor or Actor(shop=membership.shop)
    status = membership.status_at(at)
    if status in (Status.CANCELLED, Status.EXPIRED):
        raise AlreadyCancelled(_("This membership has ended already."))
    if not at_once and not refund and status != Status.GRACE:
        membership.cancel_at_period_end = True
    else:
        if refund:
            _refund_payments(membership, at, actor)
            grants_take_back(membership, at, actor)
        membership.cancelled_at = at
        membership.ends_at = min(membership.ends_at, at)
        membership.grace_ends_at = max(membership.ends_at, min(membership.grace_ends_at, at))
    membership.status = membership.status_at(at)
    membership.save()
    membership_event(membership, "cancelled", at)
    membership_message(membership, "membership_changed", at)
    return membership


def _refund_payments(membership: Membership, at: datetime, actor: Actor) -> None:
    """Each payment's unused share back: money rounded once, half up; points rounded down (never more than spent)."""
    currency = membership.shop.currency
    account = None
    for payment in membership.payments.filter(refunded_at__isnull=True, period_end__gt=at).select_related(
        "points_entry"
    ):
        share = unused_share(payment, at)
        payment.refunded_amount = min(round_money(payment.amount * share, currency), payment.amount)
        payment.refunded_points = int((payment.points * share).to_integral_value(ROUND_FLOOR))
        payment.refunded_at = at
        payment.save(update_fields=["refunded_amount", "refunded_points", "refunded_at"])
        if payment.refunded_points and payment.points_entry_id:
            account = account or account_lock(membership.member.account_id)
            points_give_back(
                account=account, actor=actor, spend=payment.points_entry, points=payment.refunded_points, at=at,
                reason=f"membership {membership.plan.code} refunded",
            )  # fmt: skip
            points_changed(membership.shop, account, change=payment.refunded_points, reason="membership_refund")
