"""Recording purchases and refunding them: points, pay-with-points, wallet, cashback, stamps and tiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty.errors import (
    DuplicatePurchase,
    DuplicateRefund,
    NotFound,
    RefundExceedsPurchase,
    ValidationFailed,
)
from loyalty.models import (
    Account,
    EntryKind,
    LedgerEntry,
    Member,
    Purchase,
    PurchaseLine,
    Refund,
    StampCompletion,
    StampEntry,
    StampProgress,
    WalletEntry,
)
from loyalty.models.ledger import WalletKind
from loyalty.money import money_str, quantum
from rewards.models import Reward, VoucherSource, VoucherStatus
from rewards.services import voucher_close, voucher_issue, voucher_use

from . import wallet
from .ledger import Actor, account_lock, lot_create, points_give_back, points_reverse, points_spend
from .notifications import purchase_queue
from .rules import (
    Context,
    Explanation,
    Line,
    ProgramRules,
    eligible_spend,
    explain_points,
    lot_expiry,
    rules_for,
    stamps_for,
)
from .tiers import tier_upgrade_if_reached
from .webhooks import points_changed, webhook_emit

FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass
class PurchaseResult:
    purchase: Purchase
    explanation: Explanation | None = None
    stamps: list = field(default_factory=list)  # [(card, count)]
    vouchers_issued: list = field(default_factory=list)


@dataclass
class RefundResult:
    refund: Refund
    points_reversed: int


def occurred_at_checked(program, occurred_at: datetime | None, now: datetime) -> datetime:
    """Default now; at most 5 minutes ahead; not older than the program's backdate_days."""
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise ValidationFailed(fields={"occurred_at": "must include a time zone offset"})
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationFailed(fields={"occurred_at": "must not be in the future"})
    if occurred_at < now - timedelta(days=program.backdate_days):
        raise ValidationFailed(fields={"occurred_at": f"must be within the last {program.backdate_days} days"})
    return occurred_at


def lines_checked(amount: Decimal, lines: list[Line]) -> list[Line]:
    if lines and sum((ln.amount for ln in lines), Decimal(0)) != amount:
        raise ValidationFailed(fields={"items": "the items' amounts must add up to the purchase amount"})
    return lines


def earning_context(
    rules: ProgramRules, account: Account | None, *, occurred_at, tz, location, payment_method
) -> Context:
    return Context(
        occurred_at=occurred_at,
        tz=tz,
        tier=account.tier if account else None,
        location_code=location.code if location else "",
        payment_method=payment_method or "",
    )


def purchase_quote(
    *,
    shop,
    member: Member | None,
    amount: Decimal,
    lines: list[Line],
    occurred_at,
    location=None,
    payment_method: str = "",
) -> Explanation:
    """What a purchase would earn, changing nothing (the till's quote and the portal's preview)."""
    rules = rules_for(shop.program)
    account = member.account if member else None
    ctx = earning_context(
        rules, account, occurred_at=occurred_at, tz=shop.tz, location=location, payment_method=payment_method
    )
    return explain_points(rules, amount=amount, lines=lines, ctx=ctx)


@transaction.atomic
def purchase_record(
    *,
    shop,
    external_id: str,
    amount: Decimal,
    member: Member | None = None,
    lines: list[Line] | None = None,
    occurred_at: datetime | None = None,
    payment_method: str = "",
    points_redeemed: int = 0,
    wallet_redeemed: Decimal = Decimal(0),
    voucher_codes: list[str] | None = None,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> PurchaseResult:
    """Record a purchase once per (shop, external_id), with everything it earns and spends, atomically."""
    now = now or timezone.now()
    actor = actor or Actor(shop=shop)
    program = shop.program
    occurred_at = occurred_at_checked(program, occurred_at, now)
    lines = lines_checked(amount, lines or [])
    if member is None and (points_redeemed or wallet_redeemed or voucher_codes):
        raise ValidationFailed(fields={"member": "points, wallet and vouchers need a member"})
    account = account_lock(member.account_id) if member else None
    if member:
        member.account = account
    rules = rules_for(program)
    explanation = None
    if account is not None:  # judged with the tier held before this purchase
        ctx = earning_context(
            rules, account, occurred_at=occurred_at, tz=shop.tz, location=actor.location, payment_method=payment_method
        )
        explanation = explain_points(rules, amount=amount, lines=lines, ctx=ctx)
    purchase = _purchase_create(
        shop=shop,
        external_id=external_id,
        amount=amount,
        account=account,
        member=member,
        occurred_at=occurred_at,
        payment_method=payment_method,
        actor=actor,
        points_redeemed=points_redeemed,
        wallet_redeemed=wallet_redeemed,
        points_earned=explanation.points if explanation else 0,
        available_at=occurred_at + timedelta(days=program.pending_days),
        now=now,
    )
    PurchaseLine.objects.bulk_create(
        [
            PurchaseLine(purchase=purchase, sku=ln.sku, category=ln.category, quantity=ln.quantity, amount=ln.amount)
            for ln in lines
        ]
    )
    result = PurchaseResult(purchase=purchase, explanation=explanation)
    if account is None:
        return result
    for code in voucher_codes or []:
        voucher_use(shop=shop, code=code, member=member, purchase=purchase, at=now)
    if points_redeemed:
        points_spend(
            account=account,
            actor=actor,
            kind=EntryKind.REDEEM,
            points=points_redeemed,
            at=now,
            source="purchase",
            purchase=purchase,
        )
    if wallet_redeemed:
        wallet.wallet_debit(
            account=account,
            shop=shop,
            amount=wallet_redeemed,
            kind=WalletKind.SPEND,
            purchase=purchase,
            staff=actor.staff,
        )
    _earn(purchase, account, actor, program)
    _cashback(purchase, account, shop, rules, lines)
    result.stamps, result.vouchers_issued = _stamp(purchase, account, member, rules, lines)
    if account.last_purchase_at is None or occurred_at > account.last_purchase_at:
        account.last_purchase_at = occurred_at
        Account.objects.filter(pk=account.pk).update(last_purchase_at=occurred_at)
    tier_upgrade_if_reached(account=account, tiers=rules.tiers, as_of=now, tz=shop.tz)
    _announce(purchase, result)
    purchase_queue(purchase, now=now)  # the receipt and any reward unlocked, worked out by a task after commit
    return result


def _announce(purchase: Purchase, result: PurchaseResult) -> None:
    shop = purchase.shop
    webhook_emit(
        shop,
        "purchase.recorded",
        lambda: {
            "purchase": str(purchase.pk),
            "external_id": purchase.external_id,
            "member": str(purchase.member_id),
            "amount": money_str(purchase.amount, shop.currency),
            "points_earned": purchase.points_earned,
            "occurred_at": purchase.occurred_at,
        },
    )
    change = purchase.points_earned - purchase.points_redeemed
    if change or purchase.points_redeemed:
        points_changed(shop, purchase.account, change=change, reason="purchase")


def _purchase_create(*, shop, external_id, actor, points_earned, available_at, now, **fields) -> Purchase:
    """Insert the purchase with what it earns; a receipt already recorded is DuplicatePurchase (the unique
    constraint decides, so two tills racing with one receipt record it once)."""
    try:
        with transaction.atomic():
            return Purchase.objects.create(
                shop=shop,
                external_id=external_id,
                location=actor.location,
                staff=actor.staff,
                api_key=actor.api_key,
                points_earned=points_earned,
                points_pending=points_earned if available_at > now else 0,
                **{**fields, "payment_method": fields["payment_method"] or ""},
            )
    except IntegrityError:
        existing = Purchase.objects.filter(shop=shop, external_id=external_id).only("id").first()
        if existing is None:
            raise
        raise DuplicatePurchase("This receipt is already recorded.", fields={"purchase": str(existing.pk)}) from None


def _earn(purchase: Purchase, account: Account, actor: Actor, program) -> None:
    if purchase.points_earned <= 0:
        return
    lot_create(
        account=account,
        actor=actor,
        kind=EntryKind.EARN,
        points=purchase.points_earned,
        occurred_at=purchase.occurred_at,
        available_at=purchase.occurred_at + timedelta(days=program.pending_days),
        expires_at=lot_expiry(program, purchase.occurred_at, purchase.shop.tz),
        source="purchase",
        purchase=purchase,
    )


def _cashback(purchase: Purchase, account: Account, shop, rules: ProgramRules, lines: list[Line]) -> None:
    percent = rules.program.cashback_percent
    if not percent:
        return
    amount = (eligible_spend(rules.program, purchase.amount, lines) * percent / 100).quantize(
        quantum(shop.currency), rounding=ROUND_FLOOR
    )  # cashback rounds down to the minor unit: never credit more than the percentage
    if amount > 0:
        wallet.wallet_credit(account=account, shop=shop, amount=amount, kind=WalletKind.CASHBACK, purchase=purchase)
        purchase.cashback = amount
        Purchase.objects.filter(pk=purchase.pk).update(cashback=amount)


def _stamp(purchase: Purchase, account: Account, member: Member, rules: ProgramRules, lines: list[Line]):
    """Stamps on each card, its cooldown judged by occurred_at; full cards issue their reward at once."""
    stamped, issued = [], []
    for card in rules.stamp_cards:
        count = stamps_for(card, amount=purchase.amount, lines=lines)
        if count and card.cooldown_minutes and _in_cooldown(account, card, purchase.occurred_at):
            count = 0
        stamped.append((card, count))
        if not count:
            continue
        StampEntry.objects.create(
            account=account, card=card, purchase=purchase, count=count, occurred_at=purchase.occurred_at
        )
        progress, _ = StampProgress.objects.get_or_create(account=account, card=card)
        progress.count += count
        if progress.last_stamp_at is None or purchase.occurred_at > progress.last_stamp_at:
            progress.last_stamp_at = purchase.occurred_at
        while progress.count >= card.stamps_required:
            progress.count -= card.stamps_required
            issued.extend(_complete_card(card, account, member, purchase))
        progress.save(update_fields=["count", "last_stamp_at"])
    return stamped, issued


def _in_cooldown(account: Account, card, occurred_at: datetime) -> bool:
    window = timedelta(minutes=card.cooldown_minutes)
    return StampEntry.objects.filter(
        account=account,
        card=card,
        count__gt=0,
        refund__isnull=True,
        occurred_at__gt=occurred_at - window,
        occurred_at__lt=occurred_at + window,
    ).exists()


def _complete_card(card, account: Account, member: Member, purchase: Purchase) -> list:
    reward = Reward.objects.filter(shop=member.shop, code=card.reward_code).first() if card.reward_code else None
    voucher = voucher_issue(reward=reward, member=member, source=VoucherSource.STAMP_CARD) if reward else None
    StampCompletion.objects.create(account=account, member=member, card=card, purchase=purchase, voucher=voucher)
    return [voucher] if voucher else []


# ---------------------------------------------------------------- refunds


def purchase_get(shop, purchase_id) -> Purchase:
    try:
        return Purchase.objects.get(shop=shop, pk=int(str(purchase_id)))
    except (Purchase.DoesNotExist, ValueError, OverflowError):
        raise NotFound("Purchase not found.", code="purchase_not_found") from None


def _still_kept(total, purchase: Purchase, complete: bool):
    """What the purchase keeps of `total` after its refunds: floor(total × remaining ÷ amount), nothing once
    the refunds complete it (pos-api.md: refunds)."""
    if complete:
        return 0 * total
    share = total * (purchase.amount - purchase.refunded_amount) / purchase.amount
    if isinstance(total, int):
        return int(Decimal(share).to_integral_value(rounding=ROUND_FLOOR))
    return share.quantize(quantum(purchase.shop.currency), rounding=ROUND_FLOOR)


@transaction.atomic
def purchase_refund(
    *, shop, purchase_id, amount: Decimal, external_id: str, actor: Actor | None = None, now: datetime | None = None
) -> RefundResult:
    """Refund part or all of a purchase: earned points, cashback and stamps shrink in proportion; points and
    wallet spent on it come back in proportion; the tier basis falls with it."""
    now = now or timezone.now()
    actor = actor or Actor(shop=shop)
    purchase = purchase_get(shop, purchase_id)
    account = account_lock(purchase.account_id) if purchase.account_id else None
    purchase = Purchase.objects.select_for_update().select_related("shop").get(pk=purchase.pk)
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
        _reverse_stamps(purchase, account, refund, complete)
    refund.points_reversed = reversed_points
    refund.save(update_fields=["points_reversed"])
    if account is not None:
        account.refresh_from_db(fields=["points_balance", "lifetime_earned"])
        points_changed(shop, account, change=account.points_balance - balance_before, reason="refund")
    return RefundResult(refund=refund, points_reversed=reversed_points)


def _reverse_points(purchase, account, refund, actor, complete) -> int:
    lot = LedgerEntry.objects.filter(purchase=purchase, kind=EntryKind.EARN).first()
    if lot is None:
        return 0
    already = -(LedgerEntry.objects.filter(reverses=lot, kind=EntryKind.REVERSE).aggregate(s=Sum("points"))["s"] or 0)
    to_reverse = lot.points - _still_kept(lot.points, purchase, complete) - already
    if to_reverse <= 0:
        return 0
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
        due = -spend.points - _still_kept(-spend.points, purchase, complete) - given
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
        due = purchase.wallet_redeemed - _still_kept(purchase.wallet_redeemed, purchase, complete) - given
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
    due = purchase.cashback - _still_kept(purchase.cashback, purchase, complete) - taken
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


def _reverse_stamps(purchase, account, refund, complete) -> None:
    for entry in StampEntry.objects.filter(purchase=purchase, refund__isnull=True, count__gt=0).select_related("card"):
        taken = -(
            StampEntry.objects.filter(purchase=purchase, card=entry.card, refund__isnull=False).aggregate(
                s=Sum("count")
            )["s"]
            or 0
        )
        due = entry.count - _still_kept(entry.count, purchase, complete) - taken
        if due <= 0:
            continue
        StampEntry.objects.create(
            account=account,
            card=entry.card,
            purchase=purchase,
            refund=refund,
            count=-due,
            occurred_at=entry.occurred_at,
        )
        progress = StampProgress.objects.select_for_update().get(account=account, card=entry.card)
        progress.count -= due
        if progress.count < 0:
            _reopen_completed_card(progress, purchase, refund)
        progress.save(update_fields=["count"])


def _reopen_completed_card(progress, purchase, refund) -> None:
    """A refund that takes a full card below its reward: an unused voucher is cancelled and the card reopens."""
    completion = (
        StampCompletion.objects.filter(
            account=progress.account, card=progress.card, reopened_by__isnull=True, voucher__status=VoucherStatus.ISSUED
        )
        .select_related("voucher__reward")
        .order_by("-id")
        .first()
    )
    if completion is None:
        return  # its voucher was used: the count stays below zero
    voucher_close(
        completion.voucher,
        VoucherStatus.CANCELLED,
        timezone.now(),
        give_points_back=False,
        actor=Actor(shop=purchase.shop),
    )
    completion.reopened_by = refund
    completion.save(update_fields=["reopened_by"])
    progress.count += progress.card.stamps_required
