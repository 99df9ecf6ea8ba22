"""Badges a member keeps: given by challenges, by reaching a tier, by the first visit, by each year with the shop
and by the first, third, fifth and tenth approved friend. Each is once per (member, kind, ref), by the database's
unique index."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from loyalty import hooks
from loyalty.models import Member, TierLevel
from loyalty.services.sql import insert_unless_conflict

from ..models import BadgeKind, Community, MemberBadge, ReferralCredit

REFERRAL_MILESTONES = (3, 5, 10)  # approved friends; the first one's badge has the empty ref


def badge_give(*, member: Member, kind: str, ref: str = "", name: str = "", at: datetime) -> MemberBadge | None:
    """The badge, unless the member has it already (then None)."""
    badge = MemberBadge(shop_id=member.shop_id, member=member, kind=kind, ref=ref, name=name, earned_at=at)
    return badge if insert_unless_conflict(badge, unique=("member", "kind", "ref")) else None


def badges_purchase(*, member: Member, account, first: bool, at: datetime) -> None:
    """The first visit's badge, and the badge of the tier the purchase holds (tiers move up on purchases)."""
    if first:
        badge_give(member=member, kind=BadgeKind.FIRST_VISIT, at=at)
    if account.tier_id:
        tier = TierLevel.objects.filter(pk=account.tier_id).only("code", "name", "threshold").first()
        if tier is not None and tier.threshold > 0:  # the level everyone starts in is no achievement
            badge_give(member=member, kind=BadgeKind.TIER, ref=tier.code, name=tier.name, at=at)


def badges_referral(*, member: Member, at: datetime) -> None:
    """The first approved friend's badge, and the milestone reached by the referrer's approved referrals not voided
    (counted when one is approved; kept if one is voided later, as the first friend's is)."""
    badge_give(member=member, kind=BadgeKind.REFERRAL, at=at)
    approved = ReferralCredit.objects.filter(member=member, voided_at__isnull=True).count()
    for milestone in REFERRAL_MILESTONES:
        if approved >= milestone:
            badge_give(member=member, kind=BadgeKind.REFERRAL, ref=str(milestone), at=at)


def years_with(member: Member, day) -> int:
    joined = member.created_at.astimezone(member.shop.tz).date()
    return day.year - joined.year - ((day.month, day.day) < (joined.month, joined.day))


@hooks.job("anniversary_badges", order=hooks.HOUSEKEEPING_ORDER)
def anniversary_badges(*, as_of: datetime | None = None) -> int:
    """A badge for each full year with a shop that gives badges; computed from the enrolment date, so a late or
    repeated run gives the badges due and no more."""
    as_of = as_of or timezone.now()
    given = 0
    shops = Community.objects.filter(badges=True).values_list("shop_id", flat=True)
    members = (
        Member.objects.current()
        .filter(shop_id__in=shops, created_at__lte=as_of - timedelta(days=365))
        .select_related("shop")
    )
    for member in members.iterator():
        for year in range(1, years_with(member, as_of.astimezone(member.shop.tz).date()) + 1):
            given += badge_give(member=member, kind=BadgeKind.ANNIVERSARY, ref=str(year), at=as_of) is not None
    return given
