"""A shop's referral program: reading it, and saving it (the configuration file and the portal's form share
`program_save`, so both validate the same way)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.models import Program, Shop
from rewards.models import Reward

from ..models import Milestone, ReferralProgram

MAX_MILESTONES = 20

# Per process: the shop's program id → (its updated_at when judged, whether the shop runs a referral program).
# Saving or removing the referral program marks the shop's program as changed, so the pages and the purchase path
# of a shop without referrals pay no query for this app, and a shop that starts one is seen at once.
_RUNNING: dict[int, tuple] = {}
_RUNNING_LIMIT = 4096


def referrals_running(shop: Shop, program: Program | None = None) -> bool:
    """Whether the shop runs an enabled referral program; `program`: the shop's own, when the caller holds it."""
    program = program if program is not None and program.shop_id == shop.pk else shop.program
    cached = _RUNNING.get(program.pk)
    if cached is not None and program.updated_at <= cached[0]:
        return cached[1]
    if len(_RUNNING) >= _RUNNING_LIMIT:
        _RUNNING.clear()
    running = ReferralProgram.objects.filter(shop_id=shop.pk, enabled=True).exists()
    _RUNNING[program.pk] = (program.updated_at, running)
    return running


def program_of(shop: Shop, program: Program | None = None) -> ReferralProgram | None:
    """The shop's referral program when it runs one (enabled), else None; read once per shop object."""
    cached = shop.__dict__.get("_referral_program")
    if cached is None:
        found = referrals_running(shop, program) and (
            ReferralProgram.objects.select_related("referee_reward").filter(shop=shop).first()
        )
        cached = shop.__dict__["_referral_program"] = found or False
    return cached if cached and cached.enabled else None


def program_settings(shop: Shop) -> ReferralProgram | None:
    """The shop's program row, running or not: referrals under way when it was switched off still go on."""
    return ReferralProgram.objects.select_related("referee_reward").filter(shop=shop).first()


def program_forget(shop: Shop) -> None:
    """The shop's program changed: every process sees it at its next look (the program's updated_at)."""
    shop.__dict__.pop("_referral_program", None)
    Program.objects.filter(shop_id=shop.pk).update(updated_at=timezone.now())
    if hasattr(shop, "program"):
        shop.program.refresh_from_db(fields=["updated_at"])


def review_days(program: ReferralProgram | None, shop: Shop) -> int:
    """Days from the friend's first purchase to approval: the program's, else the return window."""
    if program is not None and program.review_days is not None:
        return program.review_days
    return shop.program.pending_days


def milestones_checked(milestones: list[tuple[int, Reward]]) -> list[tuple[int, Reward]]:
    """Counts of at least 1, each once, at most MAX_MILESTONES; returned in rising order."""
    if len(milestones) > MAX_MILESTONES:
        raise ValidationFailed(fields={"milestones": _("at most %(n)s milestones") % {"n": MAX_MILESTONES}})
    counts = [count for count, _reward in milestones]
    if any(count < 1 for count in counts):
        raise ValidationFailed(fields={"milestones": _("each count must be at least 1")})
    if len(set(counts)) != len(counts):
        raise ValidationFailed(fields={"milestones": _("each count may appear once")})
    return sorted(milestones, key=lambda pair: pair[0])


@transaction.atomic
def program_save(
    *,
    shop: Shop,
    enabled: bool,
    referee_reward: Reward | None,
    referrer_points: int,
    review_days: int | None,
    max_per_week: int | None,
    leaderboard: bool,
    milestones: list[tuple[int, Reward]],
) -> ReferralProgram:
    """Make the shop's referral program say this. Milestones are replaced whole: rewards already given are
    recorded per referrer and count (MilestoneAward), so a rung is never given twice whatever the ladder says."""
    for reward in [referee_reward, *(reward for _count, reward in milestones)]:
        if reward is not None and reward.shop_id != shop.pk:
            raise ValidationFailed(fields={"reward": _("no such reward")})
    if referrer_points < 0 or (review_days is not None and review_days < 0):
        raise ValidationFailed(fields={"referrer_points": _("must be at least 0")})
    if max_per_week is not None and max_per_week < 1:
        raise ValidationFailed(fields={"max_per_week": _("must be at least 1, or empty for no limit")})
    ladder = milestones_checked(milestones)
    program, _created = ReferralProgram.objects.select_for_update().get_or_create(shop=shop)
    program.enabled = enabled
    program.referee_reward = referee_reward
    program.referrer_points = referrer_points
    program.review_days = review_days
    program.max_per_week = max_per_week
    program.leaderboard = leaderboard
    program.save()
    program.milestones.all().delete()
    Milestone.objects.bulk_create([Milestone(program=program, count=count, reward=reward) for count, reward in ladder])
    program_forget(shop)
    return program


@transaction.atomic
def program_remove(*, shop: Shop) -> None:
    """The shop stops its referral program (a document without the section); referrals stay as they are."""
    ReferralProgram.objects.filter(shop=shop).delete()
    program_forget(shop)
