"""Points for events (signup, birthday, profile_complete, newsletter_signup, review, social_follow, custom),
within their limits. Each award's event key is unique per account, so a limit holds under any concurrency."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.models import Bonus, EntryKind, LedgerEntry, Member
from loyalty.models.programs import LimitPeriod

from .ledger import Actor, account_lock, lot_create
from .rules import lot_expiry
from .transactions import atomic_service
from .webhooks import points_changed


def period_key(per: str, local: datetime) -> str:
    if per == LimitPeriod.DAY:
        return local.date().isoformat()
    if per == LimitPeriod.WEEK:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if per == LimitPeriod.MONTH:
        return f"{local.year}-{local.month:02d}"
    if per == LimitPeriod.YEAR:
        return str(local.year)
    return "lifetime"


def bonus_limit(bonus: Bonus) -> tuple[int, str]:
    """Without a limit an event pays once per lifetime; a birthday once a year."""
    if bonus.limit_count:
        return bonus.limit_count, bonus.limit_per or LimitPeriod.LIFETIME
    return 1, LimitPeriod.YEAR if bonus.event == "birthday" else LimitPeriod.LIFETIME


@atomic_service
def bonus_award(*, member: Member, event: str, actor: Actor | None = None, at: datetime | None = None) -> int:
    """Award the program's bonus for `event`; returns the points awarded (0: no such bonus, or its limit reached)."""
    at = at or timezone.now()
    account = account_lock(member.account_id)
    bonus = Bonus.objects.filter(program_id=account.program_id, event=event).first()
    if bonus is None or bonus.points == 0:
        return 0
    count, per = bonus_limit(bonus)
    prefix = f"bonus:{event}:{period_key(per, at.astimezone(member.shop.tz))}:"
    used = LedgerEntry.objects.filter(account=account, event_key__startswith=prefix).count()
    if used >= count:
        return 0
    try:
        with transaction.atomic():
            lot_create(
                account=account,
                actor=actor or Actor(shop=member.shop),
                kind=EntryKind.BONUS,
                points=bonus.points,
                occurred_at=at,
                available_at=at,
                expires_at=lot_expiry(account.program, at, member.shop.tz),
                source=f"event:{event}",
                event_key=f"{prefix}{used + 1}",
            )
    except IntegrityError:  # the same award made meanwhile: the limit holds
        return 0
    points_changed(member.shop, account, change=bonus.points, reason=f"bonus:{event}")
    return bonus.points
