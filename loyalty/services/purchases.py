"""Recording purchases: points with their explanation, pay-with-points, wallet, cashback, stamps and tiers, and the
event the program apps listen to (loyalty.hooks.PurchaseRecorded).

The common path is a handful of statements: the purchase's row (its receipt number's unique index decides a
duplicate, so no savepoint is needed), one UPDATE of the account that takes its row lock and moves every cached
figure, the lot, the stamps, and the points summary the answer shows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db.models import F
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import DuplicatePurchase, ValidationFailed
from loyalty.models import Account, EntryKind, Member, Purchase, PurchaseLine
from loyalty.models.ledger import WalletKind
from loyalty.money import money_str, quantum
from loyalty.selectors import PointsSummary, points_summary
from rewards.services import voucher_use

from . import wallet
from .ledger import Actor, account_lock, account_purchase_apply, lot_insert, points_spend
from .message_queue import purchase_queue
from .rules import Context, Explanation, Line, ProgramRules, eligible_spend, explain_points, lot_expiry, rules_for
from .sql import insert_rows, insert_unless_conflict
from .stamps import stamps_apply
from .tiers import tier_here, tier_upgrade_if_reached
from .transactions import atomic_service
from .webhooks import points_changed, webhook_emit

FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass
class PurchaseResult:
    purchase: Purchase
    explanation: Explanation | None = None
    stamps: list = field(default_factory=list)  # [(card, count)]
    vouchers_issued: list = field(default_factory=list)
    points: PointsSummary | None = None  # the member's points once the purchase is in


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


def earning_context(member: Member | None, *, occurred_at, tz, location, payment_method, at: datetime) -> Context:
    """The purchase's circumstances: its moment, the member's tier and benefits now (the ones in force when it is
    recorded), where and how it was paid."""
    return Context(
        occurred_at=occurred_at,
        tz=tz,
        tier=tier_here(member) if member else None,
        location_code=location.code if location else "",
        payment_method=payment_method or "",
        benefits=tuple(hooks.benefits_for(member, at)) if member else (),
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
    ctx = earning_context(
        member, occurred_at=occurred_at, tz=shop.tz, location=location, payment_method=payment_method, at=timezone.now()
    )
    return explain_points(rules_for(shop.program), amount=amount, lines=lines, ctx=ctx)


def cashback_for(rules: ProgramRules, amount: Decimal, lines: list[Line], currency: str) -> Decimal:
    """The program's cashback on the eligible spend, rounded down to the minor unit: never more than the
    percentage."""
    percent = rules.program.cashback_percent
    if not percent:
        return Decimal(0)
    return (eligible_spend(rules.program, amount, lines) * percent / 100).quantize(quantum(currency), ROUND_FLOOR)


@atomic_service
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
    partner_code: str = "",
    actor: Actor | None = None,
    now: datetime | None = None,
) -> PurchaseResult:
    """Record a purchase once per (shop, external_id), with everything it earns and spends, atomically. `member`
    comes with its account and tier loaded; they are judged as read, and again under the account's lock."""
    now = now or timezone.now()
    actor = actor or Actor(shop=shop)
    program = shop.program
    occurred_at = occurred_at_checked(program, occurred_at, now)
    lines = lines_checked(amount, lines or [])
    if member is None and (points_redeemed or wallet_redeemed or voucher_codes):
        raise ValidationFailed(fields={"member": "points, wallet and vouchers need a member"})
    if member is not None and member.shop_id == shop.pk:
        member.shop = shop  # the same row, loaded already
    rules = rules_for(program)
    ctx = earning_context(
        member, occurred_at=occurred_at, tz=shop.tz, location=actor.location, payment_method=payment_method, at=now
    )
    explanation = explain_points(rules, amount=amount, lines=lines, ctx=ctx) if member else None
    available_at = occurred_at + timedelta(days=program.pending_days)
    purchase = _purchase_insert(
        Purchase(
            shop=shop,
            external_id=external_id,
            member=member,
            account_id=member.account_id if member else None,
            location=actor.location,
            amount=amount,
            points_earned=explanation.points if explanation else 0,
            points_pending=explanation.points if explanation and available_at > now else 0,
            points_redeemed=points_redeemed,
            wallet_redeemed=wallet_redeemed,
            cashback=cashback_for(rules, amount, lines, shop.currency) if member else Decimal(0),
            payment_method=payment_method or "",
            occurred_at=occurred_at,
            staff=actor.staff,
            api_key=actor.api_key,
        ),
        lines,
    )
    if member is None:
        return PurchaseResult(purchase=purchase)
    return _member_purchase(
        purchase, member, rules, ctx, lines, explanation, voucher_codes or [], partner_code, actor, now
    )


def _purchase_insert(purchase: Purchase, lines: list[Line]) -> Purchase:
    """The purchase's row and its lines; a receipt already recorded is DuplicatePurchase (the unique index
    decides, so two tills racing with one receipt record it once)."""
    if not insert_unless_conflict(purchase, unique=("shop", "external_id")):
        existing = Purchase.objects.filter(shop=purchase.shop, external_id=purchase.external_id).only("id").first()
        raise DuplicatePurchase(
            "This receipt is already recorded.", fields={"purchase": str(existing.pk) if existing else ""}
        )
    insert_rows(
        [
            PurchaseLine(purchase=purchase, sku=ln.sku, category=ln.category, quantity=ln.quantity, amount=ln.amount)
            for ln in lines
        ]
    )
    return purchase


def _member_purchase(purchase, member, rules, ctx, lines, explanation, voucher_codes, partner_code, actor, now):
    """Spends first (under the account's lock), then the one UPDATE of the account, the lot, the stamps, the tier."""
    shop, account = purchase.shop, member.account
    judged_tier = account.tier_id
    if purchase.points_redeemed or purchase.wallet_redeemed:
        account = member.account = account_lock(account.pk)
    for code in voucher_codes:
        voucher_use(shop=shop, code=code, member=member, purchase=purchase, at=now)
    _spend(purchase, account, actor, now)
    balance_before = account_purchase_apply(
        account, earned=purchase.points_earned, cashback=purchase.cashback, occurred_at=purchase.occurred_at
    )
    if account.tier_id != judged_tier:  # a concurrent purchase moved the tier: judge again with the one held now
        explanation = _judged_again(purchase, account, rules, ctx, lines)
    _earn(purchase, account, actor, rules.program, in_debt=balance_before < 0)
    if purchase.cashback:
        wallet.wallet_entry_add(
            account=account, shop=shop, amount=purchase.cashback, kind=WalletKind.CASHBACK, purchase=purchase
        )
    result = PurchaseResult(purchase=purchase, explanation=explanation)
    result.stamps, result.vouchers_issued = stamps_apply(purchase, account, member, rules, lines)
    tier_upgrade_if_reached(account=account, program=rules.program, tiers=rules.tiers, shop=shop, as_of=now)
    hooks.emit(
        hooks.PurchaseRecorded(
            purchase=purchase,
            member=member,
            account=account,
            actor=actor,
            at=now,
            first=account.purchases_count == 1,
            partner_code=partner_code,
            lines=tuple(lines),
        )
    )
    result.points = points_summary(account, now)
    _announce(purchase, account)
    purchase_queue(purchase, member=member, now=now, unlocks=_may_unlock_a_reward(purchase, rules, result.points, now))
    return result


def _spend(purchase: Purchase, account: Account, actor: Actor, now: datetime) -> None:
    if purchase.points_redeemed:
        points_spend(
            account=account,
            actor=actor,
            kind=EntryKind.REDEEM,
            points=purchase.points_redeemed,
            at=now,
            source="purchase",
            purchase=purchase,
        )
    if purchase.wallet_redeemed:
        wallet.wallet_debit(
            account=account,
            shop=purchase.shop,
            amount=purchase.wallet_redeemed,
            kind=WalletKind.SPEND,
            purchase=purchase,
            staff=actor.staff,
        )


def _judged_again(purchase: Purchase, account: Account, rules: ProgramRules, ctx: Context, lines) -> Explanation:
    """The points as the tier held under the lock gives them; the purchase and the account take the difference."""
    tier = next((level for level in rules.tiers if level.pk == account.tier_id), None)
    explanation = explain_points(rules, amount=purchase.amount, lines=lines, ctx=replace(ctx, tier=tier))
    difference = explanation.points - purchase.points_earned
    if difference:
        pending = purchase.points_pending > 0
        purchase.points_earned = explanation.points
        purchase.points_pending = explanation.points if pending else 0
        Purchase.objects.filter(pk=purchase.pk).update(
            points_earned=purchase.points_earned, points_pending=purchase.points_pending
        )
        Account.objects.filter(pk=account.pk).update(
            points_balance=F("points_balance") + difference, lifetime_earned=F("lifetime_earned") + difference
        )
        account.points_balance += difference
        account.lifetime_earned += difference
    account.tier = tier
    return explanation


def _earn(purchase: Purchase, account: Account, actor: Actor, program, *, in_debt: bool) -> None:
    if purchase.points_earned <= 0:
        return
    lot_insert(
        account=account,
        actor=actor,
        kind=EntryKind.EARN,
        points=purchase.points_earned,
        in_debt=in_debt,
        occurred_at=purchase.occurred_at,
        available_at=purchase.occurred_at + timedelta(days=program.pending_days),
        expires_at=lot_expiry(program, purchase.occurred_at, purchase.shop.tz),
        source="purchase",
        purchase=purchase,
    )


def _may_unlock_a_reward(purchase: Purchase, rules: ProgramRules, points: PointsSummary, now: datetime) -> bool:
    """Whether the points this purchase made spendable cross the price of a reward (the message task decides
    the rest: tiers, stock, limits, consent)."""
    earned_now = purchase.occurred_at + timedelta(days=rules.program.pending_days) <= now
    before = points.available - (purchase.points_earned if earned_now else 0) + purchase.points_redeemed
    return any(before < price <= points.available for price in rules.reward_prices)


def _announce(purchase: Purchase, account: Account) -> None:
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
        points_changed(shop, account, change=change, reason="purchase")
