"""What each event sends a member: the welcome, the receipt and "reward unlocked", a tier reached, the birthday
greeting, and the reminders the jobs send (points and vouchers about to expire). Each composes its context and
calls notify(), which decides whether and how it goes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Min, Sum
from django.utils import timezone

from loyalty.formats import last_usable_day
from loyalty.hooks import receipt_lines
from loyalty.models import LedgerEntry, Member, Message, MessageKind, Purchase, TierChange
from rewards.models import Voucher, VoucherStatus
from rewards.selectors import rewards_within_reach

from .batches import BATCH, accounts_in_batches
from .ledger import points_available
from .notifications import MEMBER_LINK, Money, notify

POINTS_EXPIRING_WITHIN = timedelta(days=30)
POINTS_REMINDER_EVERY = timedelta(days=30)  # one "points expiring" reminder per member in this long
VOUCHER_EXPIRING_WITHIN = timedelta(days=3)


def welcome_send(*, member_id: int) -> Message | None:
    """The welcome with the sign-in link: stored with a placeholder that delivery replaces with a fresh link, so
    the body managers read (log, exports, admin) never signs anyone in."""
    member = Member.objects.select_related("shop").filter(pk=member_id).first()
    if member is None:
        return None
    return notify(member=member, event="welcome", context={"link": MEMBER_LINK}, dedupe_key=f"welcome:{member.pk}")


def purchase_notify(*, purchase_id: int, at: datetime | None = None) -> list[Message]:
    """The receipt, and "reward unlocked" when the purchase brought an active reward within the member's
    reach that was out of it before (one message naming them, so a purchase uses one marketing slot)."""
    purchase = (
        Purchase.objects.select_related("shop", "member__shop", "account__program", "account__tier")
        .filter(pk=purchase_id, member__isnull=False)
        .first()
    )
    if purchase is None:
        return []
    at = at or timezone.now()
    member, shop = purchase.member, purchase.shop
    member.account = purchase.account
    available = points_available(purchase.account, at)
    receipt = {
        "amount": Money(purchase.amount, shop.currency),
        "points_earned": purchase.points_earned,
        "points_redeemed": purchase.points_redeemed,
        "pending": purchase.points_pending,
        "available": available,
        "app_lines": receipt_lines(purchase),
    }
    messages = [notify(member=member, event="purchase_receipt", context=receipt, dedupe_key=f"receipt:{purchase.pk}")]
    unlocked = rewards_unlocked(member, available=available, before=available - _available_change(purchase, at), at=at)
    if unlocked:
        context = {"rewards": [reward.name for reward in unlocked], "available": available}
        key = f"reward_unlocked:{member.pk}:{purchase.pk}"
        messages.append(notify(member=member, event="reward_unlocked", context=context, dedupe_key=key))
    return [m for m in messages if m is not None]


def _available_change(purchase: Purchase, at: datetime) -> int:
    """How much the purchase changed the member's spendable points (its points may still be pending)."""
    earned_now = purchase.occurred_at + timedelta(days=purchase.account.program.pending_days) <= at
    return (purchase.points_earned if earned_now else 0) - purchase.points_redeemed


def rewards_unlocked(member: Member, *, available: int, before: int, at: datetime) -> list:
    return [reward for reward in rewards_within_reach(member, available, at) if reward.points > before]


def tier_up_notify(*, tier_change_id: int) -> list[Message]:
    """For the account's current members, when the account is still in the tier it moved up to."""
    change = TierChange.objects.select_related("to_tier", "account__program").filter(pk=tier_change_id).first()
    if change is None or change.to_tier is None or change.account.tier_id != change.to_tier_id:
        return []
    members = Member.objects.select_related("shop").filter(
        account_id=change.account_id, shop_id=change.account.program.shop_id, merged_into__isnull=True
    )
    context = {"tier": change.to_tier.name}
    sent = [
        notify(member=member, event="tier_up", context=context, dedupe_key=f"tier_up:{change.pk}:{member.pk}")
        for member in members
    ]
    return [m for m in sent if m is not None]


def birthday_dedupe_key(member: Member, *, at: datetime) -> str:
    """Once a year: the year in the shop's time zone."""
    return f"birthday:{member.pk}:{at.astimezone(member.shop.tz).year}"


def birthday_greet(*, member: Member, points: int, at: datetime) -> Message | None:
    """The birthday message, once a year (the year in the shop's time zone)."""
    key = birthday_dedupe_key(member, at=at)
    return notify(member=member, event="birthday", context={"points": points}, dedupe_key=key, at=at)


# ---------------------------------------------------------------- jobs


def points_expiring_notify(*, as_of: datetime) -> int:
    """Members with points expiring in the next 30 days hear it at most once in 30 days (a regular would
    otherwise hear it daily: each day's purchase brings a new expiry date into the window), with the total that
    expires within the window and the first day it happens. One grouped query per batch of accounts finds them;
    a dedupe key per 30-day period keeps racing or repeated runs to one message."""
    lots = LedgerEntry.objects.filter(
        remaining__gt=0, expires_at__gt=as_of, expires_at__lte=as_of + POINTS_EXPIRING_WITHIN
    )

    def send(account_ids: list[int]) -> int:
        rows = (
            lots.filter(account_id__in=account_ids)
            .values("account_id")
            .annotate(points=Sum("remaining"), first=Min("expires_at"))
            .order_by("account_id")
        )
        return _points_expiring_send({row["account_id"]: row for row in rows}, as_of)

    return accounts_in_batches(lots, send)


def _points_expiring_send(rows: dict[int, dict], as_of: datetime) -> int:
    members = list(
        Member.objects.select_related("shop__program").filter(
            account_id__in=list(rows),
            merged_into__isnull=True,
            erased_at__isnull=True,
            account__closed_at__isnull=True,
        )
    )
    if not members:
        return 0
    keys = {
        member.pk: f"points_expiring:{member.pk}:{as_of.astimezone(member.shop.tz).date().toordinal() // 30}"
        for member in members
    }
    shop_ids = {member.shop_id for member in members}
    done = set(
        Message.objects.filter(shop_id__in=shop_ids, dedupe_key__in=keys.values()).values_list("shop_id", "dedupe_key")
    )
    reminded = set(
        Message.objects.filter(
            member_id__in=list(keys),
            kind=MessageKind.TRANSACTIONAL,
            created_at__gt=as_of - POINTS_REMINDER_EVERY,
            event="points_expiring",
        ).values_list("member_id", flat=True)
    )
    sent = 0
    for member in members:
        if member.pk in reminded or (member.shop_id, keys[member.pk]) in done:
            continue
        row = rows[member.account_id]
        context = {
            "points": row["points"],
            "last_day": last_usable_day(row["first"], member.shop.tz),
            "days": POINTS_EXPIRING_WITHIN.days,
        }
        sent += bool(
            notify(member=member, event="points_expiring", context=context, dedupe_key=keys[member.pk], at=as_of)
        )
    return sent


def vouchers_expiring_notify(*, as_of: datetime) -> int:
    """Open vouchers expiring within three days: one message per voucher."""
    due = Voucher.objects.filter(
        status=VoucherStatus.ISSUED, expires_at__gt=as_of, expires_at__lte=as_of + VOUCHER_EXPIRING_WITHIN
    )
    sent, after = 0, 0
    while True:
        vouchers = list(
            due.filter(pk__gt=after).select_related("reward", "member__shop__program").order_by("pk")[:BATCH]
        )
        if not vouchers:
            return sent
        keys = {voucher.pk: f"voucher_expiring:{voucher.pk}" for voucher in vouchers}
        shop_ids = {voucher.shop_id for voucher in vouchers}
        done = set(
            Message.objects.filter(shop_id__in=shop_ids, dedupe_key__in=keys.values()).values_list(
                "shop_id", "dedupe_key"
            )
        )
        for voucher in vouchers:
            if (voucher.shop_id, keys[voucher.pk]) in done:
                continue
            member = voucher.member
            context = {
                "reward": voucher.reward.name,
                "code": voucher.code,
                "last_day": last_usable_day(voucher.expires_at, member.shop.tz),
            }
            sent += bool(
                notify(member=member, event="voucher_expiring", context=context, dedupe_key=keys[voucher.pk], at=as_of)
            )
        after = vouchers[-1].pk
