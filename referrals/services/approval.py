"""Approving referrals (the `referrals_approved` job) and what approval gives: the referrer's points (a
`referral` ledger entry, once per referral by its event key), every milestone reward whose count of approved
referrals is reached (once per referrer and count, MilestoneAward), a message and the `referral.approved`
webhook. And the claw-back of those points when the friend's first purchase is refunded in full afterwards.

Every approval first locks the referrer's account (the ledger's one lock order), so a referrer's approvals
run one after another: two reaching a milestone at the same moment count 4 then 5, never 5 and 5."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.models import EntryKind, Member
from loyalty.services.ledger import Actor, account_lock, lot_create, points_reverse
from loyalty.services.notifications import member_current, message_event, notify
from loyalty.services.rules import lot_expiry
from loyalty.services.tiers import tier_upgrade_if_reached
from loyalty.services.webhooks import points_changed, webhook_emit
from rewards.models import VoucherSource
from rewards.services import voucher_issue

from ..models import MilestoneAward, Reason, Referral, Review, Status
from .programs import program_settings

message_event("referral_approved", "marketing", _("Referral approved"))


def due(as_of: datetime):
    """Referrals whose review days have passed, not waiting for the owner's review."""
    return Referral.objects.filter(status=Status.PURCHASED, due_at__lte=as_of).exclude(review=Review.PENDING)


@hooks.job("referrals_approved")
def referrals_approve(*, as_of: datetime) -> int:
    """Approve (or reject past the weekly cap) every referral due at `as_of`, each in its own short
    transaction, in the order they fell due. What is due is read from the data: a re-run finds nothing."""
    ids = list(due(as_of).order_by("due_at", "id").values_list("id", flat=True))
    return sum(1 for referral_id in ids if referral_approve(referral_id=referral_id, as_of=as_of) is not None)


def approval_moment(referral: Referral) -> datetime:
    """When it is approved: the day it fell due, or when the owner cleared it if that was later."""
    if referral.reviewed_at and referral.reviewed_at > referral.due_at:
        return referral.reviewed_at
    return referral.due_at


@transaction.atomic
def referral_approve(*, referral_id: int, as_of: datetime) -> Referral | None:
    """Approve one due referral (None when it is not due, or another run approved it meanwhile)."""
    referrer_id = Referral.objects.filter(pk=referral_id).values_list("referrer_id", flat=True).first()
    if referrer_id is None:
        return None
    referrer = member_current(Member.objects.select_related("shop").get(pk=referrer_id))
    account = account_lock(referrer.account_id)
    referral = (
        due(as_of).select_for_update(of=("self",)).select_related("shop", "referee").filter(pk=referral_id).first()
    )
    if referral is None:
        return None
    shop, at = referral.shop, approval_moment(referral)
    program = program_settings(shop)
    if program is not None and program.max_per_week and _approved_in_week(referral, at) >= program.max_per_week:
        referral.status, referral.reason, referral.closed_at = Status.REJECTED, Reason.WEEKLY_CAP, at
        referral.save(update_fields=["status", "reason", "closed_at"])
        return referral
    referral.status, referral.approved_at = Status.APPROVED, at
    points = program.referrer_points if program is not None else 0
    if points:
        referral.points_entry = lot_create(
            account=account,
            actor=Actor(shop=shop),
            kind=EntryKind.REFERRAL,
            points=points,
            occurred_at=at,
            available_at=at,
            expires_at=lot_expiry(account.program, at, shop.tz),
            source="referral",
            reason=f"referral {referral.pk}",
            event_key=f"referral:{referral.pk}",
        )
        points_changed(shop, account, change=points, reason="referral")
        tiers = list(account.program.tiers.order_by("threshold"))  # referral points count in points_earned
        tier_upgrade_if_reached(account=account, program=account.program, tiers=tiers, shop=shop, as_of=at)
    referral.save(update_fields=["status", "approved_at", "points_entry"])
    awards = milestones_reached(referral=referral, referrer=referrer, program=program, at=at)
    hooks.emit(hooks.ReferralApproved(referrer=referrer, account=account, friend=referral.referee,
                                      referral_id=referral.pk, at=at))  # fmt: skip
    _announce(referral, referrer, points, awards)
    return referral


def _approved_in_week(referral: Referral, at: datetime) -> int:
    """The referrer's referrals approved in the ISO week (Monday to Monday, the shop's time zone) of `at`."""
    local = at.astimezone(referral.shop.tz)
    monday = (local - timedelta(days=local.isoweekday() - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    week = (monday, (monday + timedelta(days=7)).replace(hour=0))
    return Referral.objects.filter(
        referrer_id=referral.referrer_id, approved_at__gte=week[0], approved_at__lt=week[1]
    ).count()


def approved_count(referrer_id: int) -> int:
    return Referral.objects.filter(referrer_id=referrer_id, status=Status.APPROVED).count()


def milestones_reached(*, referral: Referral, referrer: Member, program, at: datetime) -> list[MilestoneAward]:
    """Every rung whose count the referrer's approved referrals reach now and that they were not given yet."""
    if program is None:
        return []
    approved = approved_count(referral.referrer_id)
    given = set(MilestoneAward.objects.filter(referrer=referrer).values_list("count", flat=True))
    awards = []
    for milestone in program.milestones.select_related("reward").filter(count__lte=approved):
        if milestone.count in given:
            continue
        voucher = voucher_issue(reward=milestone.reward, member=referrer, source=VoucherSource.MILESTONE, at=at)
        awards.append(
            MilestoneAward.objects.create(
                shop=referral.shop, referrer=referrer, count=milestone.count, voucher=voucher, at=at
            )
        )
    return awards


def friend_name(member: Member) -> str:
    """The friend as the referrer reads it: their first name, or nothing once erased."""
    return (member.name or "").split(" ")[0] if not member.erased_at else ""


def _announce(referral: Referral, referrer: Member, points: int, awards: list[MilestoneAward]) -> None:
    rewards = [award.voucher.reward.name for award in awards]
    notify(
        member=referrer,
        event="referral_approved",
        context={"friend": friend_name(referral.referee), "points": points, "rewards": rewards},
        dedupe_key=f"referral_approved:{referral.pk}",
        at=referral.approved_at,
    )
    webhook_emit(
        referral.shop,
        "referral.approved",
        lambda: {
            "referral": str(referral.pk),
            "referrer": str(referrer.pk),
            "member": str(referral.referee_id),
            "approved_at": referral.approved_at,
            "points": points,
            "milestones": [
                {"count": a.count, "reward": a.voucher.reward.code, "voucher": a.voucher.code} for a in awards
            ],
        },
    )


def clawback(*, referral: Referral, refund, account) -> None:
    """Take the referrer's points for this referral back through the ledger (a debt where they were spent), on
    the referrer's account the caller locked. Milestone rewards already given stay."""
    entry = referral.points_entry
    if entry is None or entry.reversals.filter(kind=EntryKind.REVERSE).exists():
        return
    points_reverse(
        account=account, actor=Actor(shop=referral.shop), lot=entry, points=entry.points, refund=refund,
        reason=f"referral {referral.pk}: first purchase refunded",
    )  # fmt: skip
    points_changed(referral.shop, account, change=-entry.points, reason="referral")
