"""Reads that the pages and the API share, each starting from the shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from loyalty.models import Member, Shop
from loyalty.names import public_name

from .models import LinkVisit, Milestone, Referral, Review, Status


def referrals_of_shop(shop: Shop):
    return Referral.objects.filter(shop=shop).select_related("referrer", "referee")


def referrals_made(member: Member):
    """A member's referrals as the referrer, newest first."""
    return Referral.objects.filter(referrer=member).order_by("-created_at", "-id")


def review_queue(shop: Shop):
    """Held referrals still open, oldest first: what the owner has to decide."""
    return (
        referrals_of_shop(shop)
        .filter(review=Review.PENDING, status__in=[Status.SIGNED_UP, Status.PURCHASED])
        .order_by("created_at", "id")
    )


@dataclass
class Ladder:
    approved: int
    next: Milestone | None  # the next rung, None at the top or without a ladder
    remaining: int  # friends still to be approved to reach it
    percent: int


def ladder_of(member: Member, program) -> Ladder:
    """The referrer's progress on the milestone ladder ("2 more friends to a free shaving cream")."""
    approved = Referral.objects.filter(referrer=member, status=Status.APPROVED).count()
    rungs = list(program.milestones.select_related("reward")) if program is not None else []
    upcoming = next((m for m in rungs if m.count > approved), None)
    if upcoming is None:
        return Ladder(approved=approved, next=None, remaining=0, percent=100 if rungs else 0)
    floor = max((m.count for m in rungs if m.count <= approved), default=0)
    span = upcoming.count - floor
    percent = int((approved - floor) * 100 / span) if span else 0
    return Ladder(approved=approved, next=upcoming, remaining=upcoming.count - approved, percent=percent)


@dataclass
class FunnelMonth:
    month: datetime
    opened: int
    joined: int
    purchased: int
    approved: int


def funnel(shop: Shop, *, months: int = 12) -> list[FunnelMonth]:
    """Per month (the shop's time zone), newest first: links opened, friends joined, of those joined who made
    a first purchase, and who were approved."""
    tz = shop.tz
    visits = (
        LinkVisit.objects.filter(shop=shop)
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
    )
    joined = (
        Referral.objects.filter(shop=shop)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(
            joined=Count("id"),
            purchased=Count("id", filter=Q(purchased_at__isnull=False)),
            approved=Count("id", filter=Q(approved_at__isnull=False)),
        )
    )
    rows: dict = {}
    for row in visits:
        rows.setdefault(row["month"], FunnelMonth(row["month"], 0, 0, 0, 0)).opened = row["n"]
    for row in joined:
        month = rows.setdefault(row["month"], FunnelMonth(row["month"], 0, 0, 0, 0))
        month.joined, month.purchased, month.approved = row["joined"], row["purchased"], row["approved"]
    return sorted(rows.values(), key=lambda m: m.month, reverse=True)[:months]


@dataclass
class Leader:
    name: str
    approved: int


def leaderboard(shop: Shop, *, start: datetime, end: datetime, size: int = 5) -> list[Leader]:
    """The month's top referrers by approved referrals among the members who chose to appear, shown as first
    name and initial only."""
    rows = (
        Referral.objects.filter(shop=shop, status=Status.APPROVED, approved_at__gte=start, approved_at__lt=end)
        .filter(referrer__referral_leaderboard__isnull=False, referrer__erased_at__isnull=True)
        .values("referrer__name", "referrer_id")
        .annotate(n=Count("id"))
        .order_by("-n", "referrer_id")[:size]
    )
    return [Leader(name=public_name(row["referrer__name"]), approved=row["n"]) for row in rows]
