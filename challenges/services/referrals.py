"""Referrals the referral program approved or voided (loyalty.hooks.ReferralApproved / ReferralVoided; this app
never imports that one): each approval is kept as a ReferralCredit, counted by the challenges of approved
referrals whose window holds its moment, and the referrer's first, third, fifth and tenth give a badge.

Both events run inside the referral program's transaction, after it locked the referrer's account: one
referrer's approvals run one after another, and the completion is the same conditional update as a purchase's."""

from __future__ import annotations

from datetime import datetime

from loyalty.services.ledger import Actor
from loyalty.services.sql import insert_unless_conflict

from ..models import GoalKind, Progress, ReferralCredit
from .badges import badges_referral
from .challenges import complete, may_take_part, open_challenges, progress_recount
from .goals import progress_of
from .runs import runs


def referral_challenges(shop, moment: datetime):
    return open_challenges(shop, moment).filter(goal_kind=GoalKind.REFERRALS)


def referral_approved(*, referrer, account, referral_id: int, at: datetime) -> list:
    """Keep the approval, then count it; returns the challenges it completed. Kept even while the shop runs no
    challenge, so one added later in the month counts the month's approvals."""
    shop = referrer.shop
    credit = ReferralCredit(shop=shop, member=referrer, account=account, referral_id=referral_id, approved_at=at)
    if not insert_unless_conflict(credit, unique=("shop", "referral_id")):
        return []  # reported before: counted then
    running = runs(shop)
    if running.badges:
        badges_referral(member=referrer, at=at)
    if not running.challenges:
        return []
    completed = []
    for challenge in referral_challenges(shop, at):
        if not may_take_part(challenge, account):
            continue
        progress = progress_recount(challenge, referrer, account, shop.tz)
        reached = progress is not None and progress.value >= challenge.target
        if reached and complete(challenge, progress, member=referrer, account=account, actor=Actor(shop=shop), at=at):
            completed.append(challenge)
    return completed


def referral_voided(*, referrer, account, referral_id: int, at: datetime) -> None:
    """Take a voided referral out of the challenges not completed yet (a completed one stays, with what it gave)."""
    shop = referrer.shop
    credit = ReferralCredit.objects.filter(shop=shop, referral_id=referral_id, voided_at__isnull=True).first()
    if credit is None:
        return
    ReferralCredit.objects.filter(pk=credit.pk).update(voided_at=at)
    for challenge in referral_challenges(shop, credit.approved_at):
        progress = Progress.objects.filter(challenge=challenge, member=referrer, completed_at__isnull=True).first()
        if progress is None:
            continue
        value = progress_of(challenge, account.pk, shop.tz)
        Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(value=value, updated_at=at)


def referral_credits_merged(*, keep, duplicate) -> None:
    """The duplicate's approved referrals count for the kept member from now on (the referral program moves the
    referrals themselves)."""
    ReferralCredit.objects.filter(member=duplicate).update(member=keep, account_id=keep.account_id)
