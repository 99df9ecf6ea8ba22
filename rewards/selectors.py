"""Reads of the catalogue that the portal, the counter and the API share."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Reward, RewardKind, Voucher, VoucherStatus
from .services import reward_ineligibility


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
