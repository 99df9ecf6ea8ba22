"""Redeeming rewards and the life of a voucher: issue, use (exactly once), cancel, expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from loyalty.models import EntryKind, LedgerEntry, Member
from loyalty.services.ledger import Actor, account_lock, points_give_back, points_spend
from loyalty.services.webhooks import points_changed, webhook_emit

from .errors import (
    LimitReached,
    NotEligible,
    OutOfStock,
    RewardNotFound,
    VoucherCancelled,
    VoucherExpired,
    VoucherNotFound,
    VoucherNotValid,
    VoucherUsed,
)
from .models import Reward, Voucher, VoucherSource, VoucherStatus, new_voucher_code, normalise_voucher_code

INELIGIBLE_REASONS = ("insufficient_points", "tier", "out_of_stock", "limit_reached", "not_eligible")


def reward_get(shop, code: str) -> Reward:
    reward = Reward.objects.filter(shop=shop, code=code).first()
    if reward is None:
        raise RewardNotFound("No reward with this code.", fields={"reward": "not found"})
    return reward


def reward_ineligibility(
    reward: Reward, member: Member, *, available: int, at: datetime, skip_limit: bool = False
) -> str | None:
    """Why this member cannot redeem this reward now, as an API reason code; None when they can.
    `skip_limit` leaves the per-member limit to a caller that counted it for many rewards at once."""
    local_day = at.astimezone(member.shop.tz).date()
    if not reward.active or (reward.starts and local_day < reward.starts) or (reward.ends and local_day >= reward.ends):
        return "not_eligible"
    if reward.tiers and (member.account.tier is None or member.account.tier.code not in reward.tiers):
        return "tier"
    if reward.stock is not None and not reward.stock_left:
        return "out_of_stock"
    if (
        not skip_limit
        and reward.per_member_limit is not None
        and _redeemed_by(reward, member) >= reward.per_member_limit
    ):
        return "limit_reached"
    if available < reward.points:
        return "insufficient_points"
    return None


def _redeemed_by(reward: Reward, member: Member) -> int:
    return (
        Voucher.objects.filter(reward=reward, account_id=member.account_id)
        .exclude(status=VoucherStatus.CANCELLED)
        .count()
    )


def _take_stock(reward: Reward) -> None:
    """One conditional UPDATE: stock is never oversold, whatever the concurrency."""
    if reward.stock is None:
        return
    if not Reward.objects.filter(pk=reward.pk, stock_left__gt=0).update(stock_left=F("stock_left") - 1):
        raise OutOfStock("This reward is out of stock.")


def _return_stock(reward: Reward) -> None:
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock_left=F("stock_left") + 1)


def voucher_issue(
    *,
    reward: Reward,
    member: Member,
    source: str,
    at: datetime | None = None,
    points_spent: int = 0,
    redemption_entry: LedgerEntry | None = None,
) -> Voucher:
    """The one issuing service: redemptions, stamp cards, referrals, memberships, milestones and birthdays."""
    at = at or timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    shop=member.shop,
                    code=new_voucher_code(),
                    reward=reward,
                    member=member,
                    account_id=member.account_id,
                    source=source,
                    points_spent=points_spent,
                    redemption_entry=redemption_entry,
                    issued_at=at,
                    expires_at=at + timedelta(days=reward.voucher_valid_days),
                )
            break
        except IntegrityError:  # a code drawn twice: draw again
            continue
    else:
        raise RuntimeError("could not draw a free voucher code")
    webhook_emit(member.shop, "voucher.issued", lambda: voucher_event(voucher))
    return voucher


@transaction.atomic
def reward_redeem(*, member: Member, reward_code: str, actor: Actor, at: datetime | None = None) -> Voucher:
    """Spend the reward's points and issue its voucher, atomically; stock and limits hold under concurrency."""
    from loyalty.services.ledger import points_available

    at = at or timezone.now()
    reward = reward_get(member.shop, reward_code)
    account = account_lock(member.account_id)  # serialises this member's redemptions (per-member limit)
    member.account = account
    reason = reward_ineligibility(reward, member, available=points_available(account, at), at=at)
    if reason == "insufficient_points":
        from loyalty.errors import InsufficientPoints

        raise InsufficientPoints(f"{reward.points} points needed.")
    if reason in ("tier", "not_eligible"):
        raise NotEligible("This member cannot redeem this reward now.", fields={"reason": reason})
    if reason == "out_of_stock":
        raise OutOfStock("This reward is out of stock.")
    if reason == "limit_reached":
        raise LimitReached("This member has reached the limit for this reward.")
    _take_stock(reward)
    entry = None
    if reward.points:
        entry = points_spend(
            account=account,
            actor=actor,
            kind=EntryKind.REDEEM,
            points=reward.points,
            at=at,
            source=f"reward:{reward.code}",
        )
        points_changed(member.shop, account, change=-reward.points, reason=f"reward:{reward.code}")
    return voucher_issue(
        reward=reward,
        member=member,
        source=VoucherSource.REDEMPTION,
        at=at,
        points_spent=reward.points,
        redemption_entry=entry,
    )


def voucher_find(shop, code: str) -> Voucher:
    voucher = (
        Voucher.objects.select_related("reward", "member").filter(shop=shop, code=normalise_voucher_code(code)).first()
    )
    if voucher is None:
        raise VoucherNotFound("No voucher with this code.")
    return voucher


def _refuse_unusable(voucher: Voucher, at: datetime) -> None:
    if voucher.status == VoucherStatus.USED:
        raise VoucherUsed("This voucher was already used.")
    if voucher.status == VoucherStatus.CANCELLED:
        raise VoucherCancelled("This voucher was cancelled.")
    if voucher.status == VoucherStatus.EXPIRED or voucher.expires_at <= at:
        raise VoucherExpired("This voucher has expired.")


@transaction.atomic
def voucher_use(*, shop, code: str, member: Member | None = None, purchase=None, at: datetime | None = None) -> Voucher:
    """Mark a voucher used through one conditional UPDATE: two counters scanning it at once, one wins."""
    at = at or timezone.now()
    voucher = voucher_find(shop, code)
    if member is not None and voucher.account_id != member.account_id:
        raise VoucherNotValid("This voucher belongs to another member.", fields={"voucher_codes": voucher.code})
    _refuse_unusable(voucher, at)
    won = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED, expires_at__gt=at).update(
        status=VoucherStatus.USED, used_at=at, used_purchase=purchase
    )
    if not won:
        voucher.refresh_from_db()
        _refuse_unusable(voucher, at)
        raise VoucherUsed("This voucher was already used.")
    voucher.refresh_from_db()
    webhook_emit(shop, "voucher.used", lambda: voucher_event(voucher))
    return voucher


@transaction.atomic
def voucher_unuse(*, shop, code: str) -> Voucher:
    """Undo a use made by mistake (the counter's five-minute undo): the voucher is open again."""
    voucher = voucher_find(shop, code)
    if not Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.USED).update(
        status=VoucherStatus.ISSUED, used_at=None, used_purchase=None
    ):
        _refuse_unusable(voucher, timezone.now())
    voucher.refresh_from_db()
    return voucher


def voucher_event(voucher: Voucher) -> dict:
    return {
        "code": voucher.code,
        "reward": voucher.reward.code,
        "member": str(voucher.member_id),
        "status": voucher.status,
        "expires_at": voucher.expires_at,
    }


def voucher_close(voucher: Voucher, status: str, at: datetime, *, give_points_back: bool, actor: Actor) -> bool:
    """Close an issued voucher (cancel or expire) once; returns False if it was not open any more.
    The account is locked first, as on every points path, then the voucher's conditional UPDATE."""
    give_back = give_points_back and voucher.redemption_entry_id is not None
    account = account_lock(voucher.account_id) if give_back else None
    if not Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED).update(status=status, closed_at=at):
        return False
    if give_back:
        points_give_back(
            account=account,
            actor=actor,
            spend=voucher.redemption_entry,
            points=voucher.points_spent,
            at=at,
            reason=f"voucher {voucher.code} {status}",
        )
    if status == VoucherStatus.CANCELLED:
        _return_stock(voucher.reward)
    return True


@transaction.atomic
def voucher_cancel(*, shop, code: str, actor: Actor, at: datetime | None = None) -> Voucher:
    """Cancel an unused voucher: its points go back with their own dates; stock and limit are restored."""
    at = at or timezone.now()
    voucher = voucher_find(shop, code)
    if not voucher_close(voucher, VoucherStatus.CANCELLED, at, give_points_back=True, actor=actor):
        voucher.refresh_from_db()
        _refuse_unusable(voucher, at)
    voucher.refresh_from_db()
    return voucher


def vouchers_expire(*, as_of: datetime, batch: int = 500) -> int:
    """The job: close issued vouchers past their date; points go back where the reward says so.
    Each batch is its own short transaction; a re-run finds only what is still open."""
    expired, after = 0, 0
    while True:
        due = list(
            Voucher.objects.select_related("reward", "redemption_entry", "shop")
            .filter(status=VoucherStatus.ISSUED, expires_at__lte=as_of, pk__gt=after)
            .order_by("id")[:batch]
        )
        with transaction.atomic():
            for voucher in due:
                expired += voucher_close(
                    voucher,
                    VoucherStatus.EXPIRED,
                    voucher.expires_at,
                    give_points_back=voucher.reward.refund_points_on_expiry,
                    actor=Actor(shop=voucher.shop),
                )
        if len(due) < batch:
            return expired
        after = due[-1].pk


def vouchers_open_for(member: Member, at: datetime):
    return Voucher.objects.filter(account_id=member.account_id, status=VoucherStatus.ISSUED, expires_at__gt=at).filter(
        Q(shop=member.shop)
    )
