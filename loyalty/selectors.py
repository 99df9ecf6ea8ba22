"""Reads that pages and the API share. Each starts from the shop (rule 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Min, Q, Subquery, Sum

from loyalty import hooks
from loyalty.models import LedgerEntry, Member, StampProgress
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.members import member_card_number


@dataclass
class PointsSummary:
    available: int
    pending: int
    lifetime_earned: int
    balance: int
    expiring_points: int | None
    expiring_at: datetime | None


def points_summary(account, at: datetime) -> PointsSummary:
    """Available, pending and the soonest expiry with what expires then, from the open lots in one query."""
    program = account.program
    if account.points_balance <= 0:
        return PointsSummary(0, 0, account.lifetime_earned, account.points_balance, None, None)
    lots = LedgerEntry.objects.filter(account_id=account.pk, remaining__gt=0).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )
    soonest = lots.filter(expires_at__isnull=False).order_by("expires_at").values("expires_at")[:1]
    figures = lots.aggregate(
        available=Sum("remaining", filter=Q(available_at__lte=at), default=0),
        pending=Sum("remaining", filter=Q(available_at__gt=at), default=0),
        soonest=Min("expires_at"),
        at_soonest=Sum("remaining", filter=Q(expires_at=Subquery(soonest))),
    )
    expiring_points, expiring_at = figures["at_soonest"], figures["soonest"]
    if expiring_at is None and program.expiry_policy == ExpiryPolicy.INACTIVITY and program.expiry_days:
        expiring_at = (account.last_purchase_at or account.created_at) + timedelta(days=program.expiry_days)
        expiring_points = figures["available"] + figures["pending"]
    return PointsSummary(
        figures["available"],
        figures["pending"],
        account.lifetime_earned,
        account.points_balance,
        expiring_points,
        expiring_at,
    )


def stamp_cards_of(account) -> list[dict]:
    """Every card of the program with this account's count (0 where it has none yet)."""
    counts = {p.card_id: p.count for p in StampProgress.objects.filter(account=account)}
    return [
        {"card": card.code, "name": card.name, "count": counts.get(card.pk, 0), "required": card.stamps_required}
        for card in account.program.stamp_cards.all()
    ]


def member_discount_percent(member: Member, at: datetime) -> Decimal:
    """The larger of the tier's discount and those the member's other programs give (a membership)."""
    account = member.account
    tier = account.tier.discount_percent if account.tier_id else Decimal(0)
    return max([tier, *(benefit.discount_percent for benefit in hooks.benefits_for(member, at))])


@dataclass
class MemberPanel:
    """Everything the counter shows about a member, read in a fixed number of queries."""

    member: Member
    card_number: str | None
    points: PointsSummary
    stamps: list[dict]
    vouchers: list
    rewards_within_reach: list
    discount_percent: Decimal
    birthday_this_month: bool


def member_panel(shop, member_id, at: datetime) -> MemberPanel:
    from rewards.selectors import rewards_within_reach, vouchers_open_for

    member = (
        Member.objects.select_related("account__tier", "account__program", "shop")
        .prefetch_related("cards")
        .get(shop=shop, pk=member_id, merged_into__isnull=True)
    )
    points = points_summary(member.account, at)
    local = at.astimezone(shop.tz)
    return MemberPanel(
        member=member,
        card_number=member_card_number(member),
        points=points,
        stamps=stamp_cards_of(member.account),
        vouchers=list(vouchers_open_for(member, at).select_related("reward")),
        rewards_within_reach=rewards_within_reach(member, points.available, at),
        discount_percent=member_discount_percent(member, at),
        birthday_this_month=bool(member.birthday and member.birthday.month == local.month),
    )
