"""The life of a referral up to its approval: signed up at the friend's enrolment (or rejected by the fraud
rules, or held for review), converted at the friend's first purchase, voided by a full refund of it, and the
owner's review decisions. Approval and the milestone ladder are in approval.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import DomainError, NotFound
from loyalty.models import Member
from loyalty.services.ledger import account_lock
from loyalty.services.members import referrer_by_code
from loyalty.services.notifications import member_current
from rewards.models import VoucherSource
from rewards.services import voucher_issue

from ..models import Reason, Referral, Review, Status
from .approval import clawback
from .fraud import held_for_review, rejection_reason
from .programs import program_of, program_settings, review_days

OPEN = (Status.SIGNED_UP, Status.PURCHASED)


class ReferralDecided(DomainError):
    code = "referral_decided"


def referral_signup(*, friend: Member, code: str, channel: str, device: str, at: datetime) -> Referral | None:
    """The friend enrolled with `code` (already known to be a member's: member_enrol refuses an unknown one). A
    shop without a running program records nothing."""
    program = program_of(friend.shop)
    referrer = referrer_by_code(friend.shop, code)
    if program is None or referrer is None:
        return None
    reason = rejection_reason(referrer=referrer, friend=friend)
    held = not reason and held_for_review(referrer=referrer, channel=channel, device=device, at=at)
    referral = Referral.objects.create(
        shop=friend.shop,
        referrer=referrer,
        referee=friend,
        status=Status.REJECTED if reason else Status.SIGNED_UP,
        reason=reason or (Reason.SAME_DEVICE if held else ""),
        review=Review.PENDING if held else Review.NONE,
        channel=channel,
        device=device[:40],
        created_at=at,
        closed_at=at if reason else None,
    )
    if not reason and not held:
        _welcome_friend(referral, at)
    return referral


def _welcome_friend(referral: Referral, at: datetime) -> None:
    """The friend's reward (referee_reward), once: issued at enrolment, or when the owner clears a held one."""
    program = program_of(referral.shop)
    if program is None or program.referee_reward is None or referral.referee_voucher_id:
        return
    reward = program.referee_reward
    voucher = voucher_issue(reward=reward, member=referral.referee, source=VoucherSource.REFERRAL, at=at)
    Referral.objects.filter(pk=referral.pk).update(referee_voucher=voucher)
    referral.referee_voucher = voucher


def referral_converted(*, friend: Member, purchase) -> Referral | None:
    """The friend's first purchase, from any channel: the referral is `purchased`, due `review_days` after the
    purchase's occurred_at (the days fixed now, so a later change of the program moves no referral in flight)."""
    referral = Referral.objects.select_for_update().filter(referee=friend, status=Status.SIGNED_UP).first()
    if referral is None:
        return None
    days = review_days(program_settings(friend.shop), friend.shop)
    referral.status = Status.PURCHASED
    referral.purchase = purchase
    referral.purchased_at = purchase.occurred_at
    referral.due_at = purchase.occurred_at + timedelta(days=days)
    referral.save(update_fields=["status", "purchase", "purchased_at", "due_at"])
    return referral


def referral_refunded(*, purchase, refund, at: datetime) -> Referral | None:
    """A refund that completes the friend's converting purchase: before approval the referral is voided; after
    it, voided too and the referrer's points are clawed back (approval.clawback). A partial refund keeps it.
    The referrer's account is locked before the referral row, the order the approval job takes them in."""
    referrer_id = Referral.objects.filter(purchase=purchase).values_list("referrer_id", flat=True).first()
    if referrer_id is None:
        return None
    referrer = member_current(Member.objects.select_related("shop").get(pk=referrer_id))
    account = account_lock(referrer.account_id)
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("shop", "points_entry")
        .filter(purchase=purchase, status__in=[Status.PURCHASED, Status.APPROVED])
        .first()
    )
    if referral is None:
        return None
    if referral.status == Status.APPROVED:
        clawback(referral=referral, refund=refund, account=account)
        reason = Reason.REFUNDED_AFTER_APPROVAL
        hooks.emit(hooks.ReferralVoided(referrer=referrer, account=account, referral_id=referral.pk, at=at))
    else:
        reason = Reason.REFUNDED
    referral.status, referral.reason, referral.closed_at = Status.VOIDED, reason, at
    referral.save(update_fields=["status", "reason", "closed_at"])
    return referral


def _close(referral: Referral, reason: str, at: datetime) -> None:
    """Reject an open referral (an approved or closed one stays as it is)."""
    if referral.status in OPEN:
        referral.status, referral.reason, referral.closed_at = Status.REJECTED, reason, at
        referral.save(update_fields=["status", "reason", "closed_at"])


def referrals_merged(*, keep: Member, duplicate: Member, at: datetime) -> None:
    """Support merged a customer who enrolled twice: the duplicate's referrals as referrer move to the kept member;
    as a friend, the kept member keeps one referrer, the first. One person referring themselves is rejected."""
    for own in Referral.objects.select_for_update().filter(
        Q(referrer=duplicate, referee=keep) | Q(referrer=keep, referee=duplicate)
    ):
        _close(own, Reason.SAME_PERSON, at)
    Referral.objects.filter(referrer=duplicate).exclude(referee=keep).update(referrer=keep)
    theirs = Referral.objects.select_for_update().filter(referee=duplicate).exclude(referrer=keep).first()
    if theirs is None:
        return
    kept = Referral.objects.select_for_update().filter(referee=keep).first()
    if kept is None:
        theirs.referee = keep
        theirs.save(update_fields=["referee"])
    elif (theirs.created_at, theirs.pk) < (kept.created_at, kept.pk):
        _close(kept, Reason.ALREADY_REFERRED, at)
    else:
        _close(theirs, Reason.ALREADY_REFERRED, at)


# ---------------------------------------------------------------- the owner's review queue


def _held(shop, referral_id) -> Referral:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("referee", "shop")
        .filter(shop=shop, pk=referral_id)
        .first()
    )
    if referral is None:
        raise NotFound("Referral not found.", code="referral_not_found")
    if referral.review != Review.PENDING or referral.status not in OPEN:
        raise ReferralDecided("This referral was already reviewed.")
    return referral


@transaction.atomic
def referral_clear(*, shop, referral_id, at: datetime | None = None) -> Referral:
    """The owner looked at a held referral and lets it count: it goes on as if never held."""
    at = at or timezone.now()
    referral = _held(shop, referral_id)
    referral.review, referral.reviewed_at, referral.reason = Review.CLEARED, at, ""
    referral.save(update_fields=["review", "reviewed_at", "reason"])
    _welcome_friend(referral, at)
    return referral


@transaction.atomic
def referral_reject(*, shop, referral_id, at: datetime | None = None) -> Referral:
    """The owner looked at a held referral and refuses it."""
    at = at or timezone.now()
    referral = _held(shop, referral_id)
    referral.review, referral.reviewed_at = Review.CLEARED, at
    referral.status, referral.reason, referral.closed_at = Status.REJECTED, Reason.OWNER_REJECTED, at
    referral.save(update_fields=["review", "reviewed_at", "status", "reason", "closed_at"])
    return referral
