"""Refunding purchases: earned points, cashback and stamps shrink in proportion to the money kept; points and
wallet money spent on the purchase come back in the same proportion; the tier basis falls with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import DuplicateRefund, NotFound, RefundExceedsPurchase, ValidationFailed
from loyalty.models import EntryKind, LedgerEntry, Purchase, Refund, WalletEntry
from loyalty.models.ledger import WalletKind

from . import wallet
from .ledger import Actor, account_lock, points_give_back, points_reverse
from .rules import kept_share_of
from .stamps import stamps_reverse
from .transactions import atomic_service
from .webhooks import points_changed


@dataclass
class RefundResult:
    refund: Refund
    points_reversed: int


def purchase_get(shop, purchase_id) -> Purchase:
    try:
        return Purchase.objects.get(shop=shop, pk=int(str(purchase_id)))
    except (Purchase.DoesNotExist, ValueError, OverflowError):
        raise NotFound("Purchase not found.", code="purchase_not_found") from None


@atomic_service
def purchase_refund(
    *, shop, purchase_id, amount: Decimal, external_id: str, actor: Actor | None = None, now: datetime | None = None
) -> RefundResult:
    """Refund part or all of a purchase: earned points, cashback and stamps shrink in proportion; points and
    wallet spent on it come back in proportion; the tier basis falls with it."""
    now = now or timezone.now()
    actor = actor or Actor(shop=shop)
    purchase = purchase_get(shop, purchase_id)
    account = account_lock(purchase.account_id) if purchase.account_id else None
    # Only the purchase row: locking its shop too would make every insert naming the shop wait for this refund.
    purchase = Purchase.objects.select_for_update(no_key=True, of=("self",)).select_related("shop").get(pk=purchase.pk)
    if Refund.objects.filter(shop=shop, external_id=external_id).exists():
        raise DuplicateRefund("This refund is already recorded.")
    if amount < 0 or (amount == 0 and purchase.amount > 0):
        raise ValidationFailed(fields={"amount": "must be positive"})
    complete_before = purchase.refunded_amount >= purchase.amount and purchase.refunds.exists()
    if complete_before or purchase.refunded_amount + amount > purchase.amount:
        raise RefundExceedsPurchase(
            "The refunds would exceed the purchase amount.",
            fields={"amount": f"at most {purchase.amount - purchase.refunded_amount} can still be refunded"},
        )
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                shop=shop,
                purchase=purchase,
                external_id=external_id,
                amount=amount,
                staff=actor.staff,
                api_key=actor.api_key,
            )
    except IntegrityError:
        raise DuplicateRefund("This refund is already recorded.") from None
    purchase.refunded_amount += amount
    Purchase.objects.filter(pk=purchase.pk).update(refunded_amount=purchase.refunded_amount)
    reversed_points = 0
    balance_before = account.points_balance if account is not None else 0
    if account is not None:
        complete = purchase.refunded_amount >= purchase.amount
        reversed_points = _reverse_points(purchase, account, refund, actor, complete)
        _give_back_spent(purchase, account, refund, actor, complete, now)
        _reverse_cashback(purchase, account, refund, complete)
        stamps_reverse(purchase, account, refund, complete)
    refund.points_reversed = reversed_points
    refund.save(update_fields=["points_reversed"])
    if account is not None:
        account.refresh_from_db(fields=["points_balance", "lifetime_earned", "wallet_balance"])
        share = amount / purchase.amount if purchase.amount else Decimal(1)
        hooks.emit(
            hooks.PurchaseRefunded(
                purchase=purchase, refund=refund, account=account, actor=actor, at=now, share=share, complete=complete
            )
        )
        points_changed(shop, account, change=account.points_balance - balance_before, reason="refund")
    return RefundResult(refund=refund, points_reversed=reversed_points)


def _reverse_points(purchase, account, refund, actor, complete) -> int:
    lot = LedgerEntry.objects.filter(purchase=purchase, kind=EntryKind.EARN).first()
    if lot is None:
        return 0
    already = -(LedgerEntry.objects.filter(reverses=lot, kind=EntryKind.REVERSE).aggregate(s=Sum("points"))["s"] or 0)
    to_reverse = lot.points - kept_share_of(lot.points, purchase, complete) - already
    if to_reverse <= 0:
        return 0
    if lot.account_id != account.pk:  # a duplicate's purchase merged into this account: its lifetime stayed there
        account = account_lock(lot.account_id)
    points_reverse(
        account=account, actor=actor, lot=lot, points=to_reverse, refund=refund, reason=f"refund {refund.external_id}"
    )
    return to_reverse


def _give_back_spent(purchase, account, refund, actor, complete, now) -> None:
    spend = LedgerEntry.objects.filter(purchase=purchase, kind=EntryKind.REDEEM).first()
    if spend is not None:
        given = (
            LedgerEntry.objects.filter(reverses=spend, kind=EntryKind.REFUND_REDEEM).aggregate(s=Sum("points"))["s"]
            or 0
        )
        due = -spend.points - kept_share_of(-spend.points, purchase, complete) - given
        if due > 0:
            points_give_back(
                account=account,
                actor=actor,
                spend=spend,
                points=due,
                at=now,
                refund=refund,
                reason=f"refund {refund.external_id}",
            )
    if purchase.wallet_redeemed:
        given = (
            WalletEntry.objects.filter(purchase=purchase, kind=WalletKind.REFUND_SPEND).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        due = purchase.wallet_redeemed - kept_share_of(purchase.wallet_redeemed, purchase, complete) - given
        if due > 0:
            wallet.wallet_credit(
                account=account,
                shop=purchase.shop,
                amount=due,
                kind=WalletKind.REFUND_SPEND,
                purchase=purchase,
                refund=refund,
            )


def _reverse_cashback(purchase, account, refund, complete) -> None:
    if not purchase.cashback:
        return
    taken = -(
        WalletEntry.objects.filter(purchase=purchase, kind=WalletKind.REVERSE).aggregate(s=Sum("amount"))["s"] or 0
    )
    due = purchase.cashback - kept_share_of(purchase.cashback, purchase, complete) - taken
    if due > 0:
        # Cashback already spent cannot be taken back from an empty wallet: take what is there.
        due = min(due, account.wallet_balance)
        if due > 0:
            wallet.wallet_debit(
                account=account,
                shop=purchase.shop,
                amount=due,
                kind=WalletKind.REVERSE,
                purchase=purchase,
                refund=refund,
            )
