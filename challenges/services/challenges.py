"""The life of a challenge for a member: progress recounted on each purchase and refund inside its window, until
it completes; completing gives its points, its reward's voucher and its badge, exactly once (a conditional
UPDATE of the member's progress row decides, so a retry or two purchases at once cannot give it twice).

Purchases and refunds of one account are already serialised by the account's row lock (LEDGER.md's one lock
order), which the purchase and the refund take before their events run; the points lot is written under it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty import hooks
from loyalty.models import EntryKind, Member, Purchase, TierLevel
from loyalty.services.ledger import Actor, lot_create
from loyalty.services.rules import lot_expiry
from loyalty.services.webhooks import points_changed
from rewards.models import VoucherSource
from rewards.services import voucher_issue

from ..models import BadgeKind, Challenge, GoalKind, Progress
from .badges import badge_give
from .goals import local_midnight, progress_of

VOUCHER_SOURCE = VoucherSource.CHALLENGE


def open_challenges(shop, moment: datetime):
    """The shop's active challenges whose window holds `moment` and that the job has not closed."""
    day = moment.astimezone(shop.tz).date()
    return Challenge.objects.filter(
        shop=shop, active=True, closed_at__isnull=True, starts__lte=day, ends__gt=day
    ).select_related("reward", "shop")


def may_take_part(challenge: Challenge, account) -> bool:
    if not challenge.tiers:
        return True
    code = TierLevel.objects.filter(pk=account.tier_id).values_list("code", flat=True).first()
    return code in challenge.tiers


def challenges_purchase(*, purchase: Purchase, member: Member, account, actor: Actor, at: datetime) -> list:
    """Count a member's purchase towards the challenges open at its `occurred_at`; returns what it completed."""
    completed = []
    tz = purchase.shop.tz
    for challenge in open_challenges(purchase.shop, purchase.occurred_at).exclude(goal_kind=GoalKind.REFERRALS):
        if not may_take_part(challenge, account):
            continue
        progress = progress_recount(challenge, member, account, tz)
        reached = progress is not None and progress.value >= challenge.target
        if reached and complete(challenge, progress, member=member, account=account, actor=actor, at=at, by=purchase):
            completed.append(challenge)
    return completed


def challenges_refund(*, purchase: Purchase, account, at: datetime) -> None:
    """A refund takes its purchase's share back out of the challenges not yet completed (a completed one stays)."""
    tz = purchase.shop.tz
    for challenge in open_challenges(purchase.shop, purchase.occurred_at).exclude(goal_kind=GoalKind.REFERRALS):
        progress = Progress.objects.filter(challenge=challenge, member_id=purchase.member_id).first()
        if progress is None or progress.completed_at is not None:
            continue
        value = progress_of(challenge, account.pk, tz)
        Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(value=value, updated_at=at)


def progress_recount(challenge: Challenge, member: Member, account, tz) -> Progress | None:
    """The member's progress row with its value counted again; None when the challenge is completed already."""
    value = progress_of(challenge, account.pk, tz)
    progress, created = _progress_row(challenge, member, value)
    if progress.completed_at is not None:
        return None
    if not created and progress.value != value:
        Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(value=value)
        progress.value = value
    return progress


def _progress_row(challenge: Challenge, member: Member, value) -> tuple[Progress, bool]:
    existing = Progress.objects.filter(challenge=challenge, member=member).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Progress.objects.create(challenge=challenge, member=member, value=value), True
    except IntegrityError:  # made meanwhile by another worker
        return Progress.objects.get(challenge=challenge, member=member), False


def complete(challenge, progress, *, member, account, actor, at, by: Purchase | None = None) -> bool:
    """Mark the progress completed (only the first caller succeeds), then give what the challenge gives; `by`: the
    purchase that completed it (none for an approved referral)."""
    won = Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=at, completed_by=by)
    if not won:
        return False
    if challenge.points:
        lot_create(
            account=account,
            actor=actor,
            kind=EntryKind.BONUS,
            points=challenge.points,
            occurred_at=at,
            available_at=at,
            expires_at=lot_expiry(account.program, at, challenge.shop.tz),
            source=f"challenge:{challenge.code}"[:30],
            reason=challenge.name[:500],
            event_key=f"challenge:{challenge.pk}",
        )
        points_changed(challenge.shop, account, change=challenge.points, reason=f"challenge:{challenge.code}")
    if challenge.reward_id and challenge.reward.active:
        voucher = voucher_issue(reward=challenge.reward, member=member, source=VOUCHER_SOURCE, at=at)
        Progress.objects.filter(pk=progress.pk).update(voucher=voucher)
    if challenge.badge:
        badge_give(member=member, kind=BadgeKind.CHALLENGE, ref=challenge.code, name=challenge.badge, at=at)
    return True


@hooks.job("challenges_closed", order=hooks.HOUSEKEEPING_ORDER)
def challenges_close(*, as_of: datetime | None = None) -> int:
    """Close the windows that ended by `as_of` (in each shop's time zone): their progress stops moving. Running it
    again finds nothing to do."""
    as_of = as_of or timezone.now()
    closed = 0
    for challenge in Challenge.objects.filter(closed_at__isnull=True).select_related("shop").iterator():
        if local_midnight(challenge.ends, challenge.shop.tz) <= as_of:
            closed += Challenge.objects.filter(pk=challenge.pk, closed_at__isnull=True).update(closed_at=as_of)
    return closed
