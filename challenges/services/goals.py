"""How far a member is towards a goal, counted from what occurred inside the challenge's window.

A purchase counts while it is not wholly refunded (a partial refund keeps the visit, the items and the
categories); spend counts what the customer paid less what was refunded. Windows are the challenge's dates at
midnight in the shop's time zone, the end exclusive."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import F, Q, Sum

from loyalty.models import Purchase, PurchaseLine

from ..models import Challenge, GoalKind, ReferralCredit


def local_midnight(day: date, tz) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def window(challenge: Challenge, tz) -> tuple[datetime, datetime]:
    return local_midnight(challenge.starts, tz), local_midnight(challenge.ends, tz)


def in_window(challenge: Challenge, moment: datetime, tz) -> bool:
    start, end = window(challenge, tz)
    return start <= moment < end


KEPT = Q(amount__gt=F("refunded_amount")) | Q(amount=0, refunded_amount=0)


def _purchases(challenge: Challenge, account_id: int, tz):
    start, end = window(challenge, tz)
    return Purchase.objects.filter(
        shop_id=challenge.shop_id, account_id=account_id, occurred_at__gte=start, occurred_at__lt=end
    ).filter(KEPT)


def _lines(challenge: Challenge, account_id: int, tz):
    lines = PurchaseLine.objects.filter(purchase__in=_purchases(challenge, account_id, tz))
    if challenge.categories:
        lines = lines.filter(category__in=challenge.categories)
    return lines


def week_index(moment: datetime, tz) -> int:
    """The ISO week (Monday to Sunday, by the shop's clock) as a running number: consecutive weeks differ by 1."""
    local = moment.astimezone(tz).date()
    return (local - timedelta(days=local.weekday())).toordinal() // 7


def longest_run(indexes: set[int]) -> int:
    best = 0
    for index in indexes:
        if index - 1 not in indexes:  # the start of a run
            length = 1
            while index + length in indexes:
                length += 1
            best = max(best, length)
    return best


def progress_of(challenge: Challenge, account_id: int, tz) -> Decimal:
    """The member's progress now, from the data (never from what was counted before): their purchases, or for
    `referrals` the approvals the referral program reported (ReferralCredit)."""
    kind = challenge.goal_kind
    if kind == GoalKind.VISITS:
        return Decimal(_purchases(challenge, account_id, tz).count())
    if kind == GoalKind.SPEND:
        # Two sums, subtracted in Python: SQLite would do the subtraction in floating point.
        sums = _purchases(challenge, account_id, tz).aggregate(paid=Sum("amount"), refunded=Sum("refunded_amount"))
        return (sums["paid"] or Decimal(0)) - (sums["refunded"] or Decimal(0))
    if kind == GoalKind.DISTINCT_ITEMS:
        lines = _lines(challenge, account_id, tz).exclude(sku="")
        return Decimal(lines.values("sku").distinct().count())
    if kind == GoalKind.CATEGORIES:
        lines = _lines(challenge, account_id, tz).exclude(category="")
        return Decimal(lines.values("category").distinct().count())
    if kind == GoalKind.STREAK:
        moments = _purchases(challenge, account_id, tz).values_list("occurred_at", flat=True)
        return Decimal(longest_run({week_index(moment, tz) for moment in moments}))
    if kind == GoalKind.REFERRALS:
        start, end = window(challenge, tz)
        credits = ReferralCredit.objects.filter(
            shop_id=challenge.shop_id, account_id=account_id, approved_at__gte=start, approved_at__lt=end
        )
        return Decimal(credits.filter(voided_at__isnull=True).count())
    raise ValueError(f"unknown goal kind {kind!r}")
