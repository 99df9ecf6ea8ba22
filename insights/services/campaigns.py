"""Campaigns: saving one (checked), drawing its audience once with the holdout (recorded), and handling each
targeted member once — message, points, voucher and the mark that it was done in one transaction per member, so
a job killed midway resumes with the next member and nobody gets anything twice. Bulk grants of points or a
voucher to a segment are campaigns without a message. Messages go through the core's `notify` as marketing:
consent and the shop's weekly cap are judged there, per member; quiet hours (21:00–08:00 on the shop's clock)
hold a campaign with a message until morning."""

from __future__ import annotations

import random
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, ValidationFailed
from loyalty.hooks import HOUSEKEEPING_ORDER, job
from loyalty.models import Member
from loyalty.queue import enqueue_after_commit
from loyalty.services.ledger import Actor, points_grant
from loyalty.services.notifications import message_render, notify
from rewards.services import voucher_issue

from ..models import Campaign, CampaignMember, CampaignStatus, Group, RfmScore, Segment
from .rules import reachable_members, segment_members

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
BATCH = 200
MAX_POINTS = 100_000
TEXT_LIMITS = {"subject": 200, "body": 2000}


class CampaignClosed(DomainError):
    code = "campaign_closed"


def audience(campaign: Campaign, *, at: datetime):
    """Who the campaign is for now: an RFM segment's members as the job last scored them, or a custom segment's."""
    if campaign.segment_id:
        return segment_members(campaign.segment, at=at)
    scored = RfmScore.objects.filter(shop=campaign.shop, segment=campaign.rfm_segment).values("member_id")
    return reachable_members(campaign.shop).filter(pk__in=scored)


# ---------------------------------------------------------------- saving


def _texts_check(shop, texts: dict) -> dict:
    """{language: {"subject", "body"}}, empty for a grant without a message; the shop's language first."""
    cleaned = {}
    for language, text in (texts or {}).items():
        subject, body = (text.get("subject") or "").strip(), (text.get("body") or "").strip()
        if not subject and not body:
            continue
        if not subject or not body:
            raise ValidationFailed(fields={f"texts.{language}": _("write both the subject and the message")})
        text = {"subject": subject, "body": body}
        for name, limit in TEXT_LIMITS.items():
            if len(text[name]) > limit:
                raise ValidationFailed(fields={f"texts.{language}.{name}": _("too long")})
        cleaned[language] = text
    if cleaned and shop.language not in cleaned:
        raise ValidationFailed(fields={f"texts.{shop.language}": _("write the message in the shop's language")})
    return cleaned


@transaction.atomic
def campaign_save(
    *,
    shop,
    name: str,
    rfm_segment: str = "",
    segment: Segment | None = None,
    texts: dict | None = None,
    points: int = 0,
    reward=None,
    reason: str = "",
    holdout_percent: int = 10,
    send_at: datetime,
    user=None,
    now: datetime | None = None,
) -> Campaign:
    """A scheduled campaign; it starts at `send_at` (the `campaigns_sent` job, or at once when that is now)."""
    now = now or timezone.now()
    texts = _texts_check(shop, texts or {})
    errors = {}
    if not name.strip():
        errors["name"] = _("give the campaign a name")
    if bool(rfm_segment) == bool(segment) or (segment is not None and segment.shop_id != shop.pk):
        errors["segment"] = _("choose one segment")
    if not 0 <= holdout_percent <= 90:
        errors["holdout_percent"] = _("between 0 and 90")
    if not 0 <= points <= MAX_POINTS:
        errors["points"] = _("between 0 and %(n)s") % {"n": MAX_POINTS}
    if reward is not None and reward.shop_id != shop.pk:
        errors["reward"] = _("no such reward")
    if not texts and not points and reward is None:
        errors["texts"] = _("write a message, or give points or a reward")
    if (points or reward is not None) and not reason.strip():
        errors["reason"] = _("say why the points or the reward are given")
    if errors:
        raise ValidationFailed(fields=errors)
    campaign = Campaign.objects.create(
        shop=shop, name=name.strip()[:200], rfm_segment=rfm_segment, segment=segment, texts=texts, points=points,
        reward=reward, reason=reason.strip()[:500], holdout_percent=holdout_percent, send_at=max(send_at, now),
        created_by=user,
    )  # fmt: skip
    if campaign.send_at <= now:
        enqueue_after_commit("insights.tasks.send_campaign", campaign.pk)
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status != CampaignStatus.SCHEDULED:
        raise CampaignClosed(_("Only a campaign that has not started can be cancelled."))
    locked.status = CampaignStatus.CANCELLED
    locked.save(update_fields=["status"])
    return locked


def campaign_text(campaign: Campaign, member: Member) -> dict:
    """The message in the member's language, else in the shop's."""
    language = member.language or campaign.shop.language
    return campaign.texts.get(language) or campaign.texts[campaign.shop.language]


def message_context(campaign: Campaign, member: Member, voucher=None) -> dict:
    text = campaign_text(campaign, member)
    return {"subject": text["subject"], "body": text["body"], "points": campaign.points, "voucher": voucher}


def campaign_preview(campaign: Campaign, member: Member) -> tuple[str, str]:
    """What this member would read (a placeholder for the voucher code), sending nothing."""
    language = member.language or campaign.shop.language
    context = message_context(campaign, member, voucher="XXXX-XXXX" if campaign.reward_id else None)
    return message_render("campaign", member, language, context, marketing=True)


# ---------------------------------------------------------------- sending


def in_quiet_hours(shop, at: datetime) -> bool:
    local = timezone.localtime(at, shop.tz).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


@transaction.atomic
def _start(campaign_id: int, at: datetime) -> Campaign | None:
    """Draw the audience and its holdout once (the campaign row locked, its status the proof it was done)."""
    campaign = Campaign.objects.select_for_update().select_related("shop").get(pk=campaign_id)
    if campaign.status != CampaignStatus.SCHEDULED:
        return campaign
    ids = list(audience(campaign, at=at).order_by("pk").values_list("pk", flat=True))
    held = set(random.SystemRandom().sample(ids, round(len(ids) * campaign.holdout_percent / 100)))
    CampaignMember.objects.bulk_create(
        [
            CampaignMember(campaign=campaign, member_id=pk, group=Group.HOLDOUT if pk in held else Group.TARGET)
            for pk in ids
        ],
        batch_size=1000,
    )
    campaign.status, campaign.started_at = CampaignStatus.SENDING, at
    campaign.save(update_fields=["status", "started_at"])
    return campaign


def _grant_points(campaign: Campaign, member: Member, at: datetime):
    """The points as a bonus lot, once per account and campaign (its event key): the core's bulk grant."""
    return points_grant(
        account_id=member.account_id,
        actor=Actor(shop=campaign.shop, staff=campaign.created_by),
        points=campaign.points,
        reason=campaign.reason,
        source=f"campaign:{campaign.pk}",
        event_key=f"campaign:{campaign.pk}",
        at=at,
        tz=campaign.shop.tz,
    )


@transaction.atomic
def _handle(campaign: Campaign, row_id: int, at: datetime) -> bool:
    row = CampaignMember.objects.select_for_update().select_related("member__shop").filter(pk=row_id).first()
    if row is None or row.handled_at is not None:
        return False
    member = row.member
    if campaign.points:
        row.entry = _grant_points(campaign, member, at)
    if campaign.reward_id:
        row.voucher = voucher_issue(reward=campaign.reward, member=member, source="manual", at=at)
    if campaign.has_message:
        context = message_context(campaign, member, voucher=row.voucher.code if row.voucher else None)
        row.message = notify(
            member=member, event="campaign", context=context, dedupe_key=f"campaign:{campaign.pk}:{member.pk}", at=at
        )
    row.handled_at = at
    row.save(update_fields=["entry", "voucher", "message", "handled_at"])
    return True


def campaign_send(campaign_id: int, *, at: datetime | None = None) -> int:
    """Start the campaign if due and handle every targeted member not yet handled; returns how many this run
    handled. Safe to run twice at once or again after a crash."""
    at = at or timezone.now()
    campaign = Campaign.objects.select_related("shop", "reward", "created_by").get(pk=campaign_id)
    if campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING) or campaign.send_at > at:
        return 0
    if campaign.has_message and in_quiet_hours(campaign.shop, at):
        return 0
    campaign = _start(campaign_id, at)
    handled = 0
    todo = CampaignMember.objects.filter(campaign=campaign, group=Group.TARGET, handled_at__isnull=True)
    while batch := list(todo.order_by("pk").values_list("pk", flat=True)[:BATCH]):
        handled += sum(_handle(campaign, row_id, at) for row_id in batch)
    Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
        status=CampaignStatus.SENT, sent_at=at
    )
    return handled


@job("campaigns_sent", order=HOUSEKEEPING_ORDER - 5)
def campaigns_sent(*, as_of: datetime) -> dict:
    """Campaigns due by `as_of` (outside quiet hours), and ones a crash left half sent."""
    due = Campaign.objects.filter(
        status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING], send_at__lte=as_of
    ).values_list("pk", flat=True)
    return {"members_handled": sum(campaign_send(pk, at=as_of) for pk in due)}
