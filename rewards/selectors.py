"""Reads of the catalogue that the portal, the counter and the API share."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from loyalty import hooks
from loyalty.models import Member
from loyalty.services.tiers import tier_here

from .models import Reward, RewardKind, Voucher, VoucherStatus


def catalogue_with_redemptions(shop):
    """The shop's rewards in their order, each with how many vouchers it has issued and how many were used."""
    return (
        Reward.objects.filter(shop=shop)
        .annotate(
            issued=Count("vouchers", filter=~Q(vouchers__status=VoucherStatus.CANCELLED)),
            used=Count("vouchers", filter=Q(vouchers__status=VoucherStatus.USED)),
        )
        .order_by("position", "points", "code")  # an aggregate drops Meta.ordering
    )


def impact_count(shop) -> int:
    """Donation rewards redeemed by the shop's members ("312 trees planted"), cancelled ones not counted."""
    return (
        Voucher.objects.filter(shop=shop, reward__kind=RewardKind.DONATION)
        .exclude(status=VoucherStatus.CANCELLED)
        .count()
    )


def rewards_within_reach(member, available: int, at) -> list[Reward]:
    """Active rewards this member can redeem now, in two queries whatever the catalogue's size."""
    rewards = list(Reward.objects.filter(shop=member.shop, active=True, points__gt=0, points__lte=available))
    limited = [r.pk for r in rewards if r.per_member_limit is not None]
    taken = (
        dict(
            Voucher.objects.filter(account_id=member.account_id, reward_id__in=limited)
            .exclude(status=VoucherStatus.CANCELLED)
            .values_list("reward_id")
            .annotate(n=Count("id"))
        )
        if limited
        else {}
    )
    reachable = []
    for reward in rewards:
        if reward.per_member_limit is not None and taken.get(reward.pk, 0) >= reward.per_member_limit:
            continue
        if reward_ineligibility(reward, member, available=available, at=at, skip_limit=True) is None:
            reachable.append(reward)
    return reachable


def reward_ineligibility(
    reward: Reward, member: Member, *, available: int, at: datetime, skip_limit: bool = False
) -> str | None:
    """Why this member cannot redeem this reward now, as an API reason code; None when they can.
    `skip_limit` leaves the per-member limit to a caller that counted it for many rewards at once."""
    if reward.points <= 0:  # only given (stamp cards, referrals, birthdays), never bought with points
        return "not_eligible"
    local_day = at.astimezone(member.shop.tz).date()
    if not reward.active or (reward.starts and local_day < reward.starts) or (reward.ends and local_day >= reward.ends):
        return "not_eligible"
    tier = tier_here(member) if reward.tiers else None
    if reward.tiers and (tier is None or tier.code not in reward.tiers):
        return "tier"
    if reward.stock is not None and not reward.stock_left:
        return "out_of_stock"
    refusal = hooks.redemption_refusal(reward, member, at)  # the program apps' own conditions
    if refusal:
        return refusal
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


def vouchers_open_for(member: Member, at: datetime):
    return Voucher.objects.filter(account_id=member.account_id, status=VoucherStatus.ISSUED, expires_at__gt=at).filter(
        Q(shop=member.shop)
    )


def reward_names(shop) -> dict[str, str]:
    """The shop's reward codes and the names people read for them (pages name rewards, never codes)."""
    return dict(Reward.objects.filter(shop=shop).values_list("code", "name"))
