"""Messages to members: `notify` decides what is sent, to which address, in which language, or why not, and
records it as a Message; its delivery is queued after commit (message_delivery.py sends it). What each event
sends is in member_messages.py.

Transactional messages (a receipt, a tier reached) go to every member with an address. Marketing messages
(a reward unlocked, a birthday) need marketing consent, carry an unsubscribe link, and count against the
shop's weekly cap per member. A dedupe key makes an event's message happen at most once, whoever asks again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed
from loyalty.formats import display_list
from loyalty.member_site.access import absolute_url
from loyalty.models import Channel, Member, Message, MessageKind, MessageStatus
from loyalty.money import format_money
from loyalty.points_names import points_phrase, points_unit, shop_program
from loyalty.queue import enqueue_after_commit

UNSUBSCRIBE_SALT = "regulars.unsubscribe"
CAP_WINDOW = timedelta(days=7)
MEMBER_LINK = "{member_link}"  # the welcome's sign-in link: stored as this, signed afresh when it is sent
POINT_FIELDS = ("points", "points_earned", "points_redeemed", "pending", "available")


@dataclass(frozen=True)
class Event:
    kind: str
    label: str  # how the portal's message log names it


# Each event's texts are templates/messages/<event>_subject.txt and <event>_body.txt.
EVENTS = {
    "welcome": Event(MessageKind.TRANSACTIONAL, _("Welcome")),
    "purchase_receipt": Event(MessageKind.TRANSACTIONAL, _("Points earned")),
    "points_expiring": Event(MessageKind.TRANSACTIONAL, _("Points expiring")),
    "tier_up": Event(MessageKind.TRANSACTIONAL, _("Tier reached")),
    "voucher_expiring": Event(MessageKind.TRANSACTIONAL, _("Voucher expiring")),
    "reward_unlocked": Event(MessageKind.MARKETING, _("Reward unlocked")),
    "birthday": Event(MessageKind.MARKETING, _("Birthday")),
}

# Why a message was not sent: the code is stored in Message.reason, the portal shows the label.
SKIP_REASONS = {
    "erased": _("The member's personal data was erased."),
    "merged": _("The member was merged into another member."),
    "no_address": _("The member has no address for this channel."),
    "no_consent": _("The member has not agreed to marketing messages."),
    "weekly_cap": _("The member already had this week's marketing messages."),
    "receipts_off": _("The member turned receipts off."),
    "channel_off": _("The shop sends no receipts by this channel."),
}
RECEIPT = "purchase_receipt"


def message_event(code: str, kind: str, label) -> None:
    """A program app's own message (its texts are templates/messages/<code>_subject.txt and <code>_body.txt)."""
    EVENTS[code] = Event(kind, label)


@dataclass(frozen=True)
class Money:
    """An amount for a message: formatted in the member's language and the shop's currency when rendered."""

    amount: Decimal
    currency: str


MAX_MARKETING_CAP = 14


@transaction.atomic
def marketing_cap_set(*, shop, cap: int):
    """The owner's weekly limit of marketing messages per member (0: none at all)."""
    if not 0 <= cap <= MAX_MARKETING_CAP:
        error = gettext("must be between 0 and %(max)s") % {"max": MAX_MARKETING_CAP}
        raise ValidationFailed(fields={"marketing_cap_per_week": error})
    shop.marketing_cap_per_week = cap
    shop.save(update_fields=["marketing_cap_per_week"])
    return shop


@transaction.atomic
def receipt_channels_set(*, shop, channels: list[str]):
    """The channels purchase receipts go by (none: no receipts); a member's own choice can still turn them off."""
    unknown = sorted(set(channels) - set(Channel.values))
    if unknown:
        raise ValidationFailed(fields={"receipt_channels": gettext("unknown channel %(c)s") % {"c": unknown[0]}})
    shop.receipt_channels = [channel for channel in Channel.values if channel in channels]
    shop.save(update_fields=["receipt_channels"])
    return shop


# ---------------------------------------------------------------- unsubscribe links


def unsubscribe_token(member_id: int) -> str:
    """Signed, without an expiry: an unsubscribe link in an old message must keep working."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(member_id))


def member_from_unsubscribe_token(token: str) -> Member | None:
    """The member the link stands for now: a duplicate merged into another (maybe more than once) is that one."""
    try:
        member_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return member_current(Member.objects.select_related("shop").filter(pk=member_id).first())


def member_current(member: Member | None) -> Member | None:
    """Follow `merged_into` to the member that still stands for the person."""
    seen = set()
    while member is not None and member.merged_into_id and member.pk not in seen:
        seen.add(member.pk)
        member = Member.objects.select_related("shop").filter(pk=member.merged_into_id).first()
    return member


def unsubscribe_url(member_id: int) -> str:
    return absolute_url(reverse("member:unsubscribe", args=[unsubscribe_token(member_id)]))


# ---------------------------------------------------------------- deciding and recording


def notify(
    *,
    member: Member,
    event: str,
    context: dict | None = None,
    dedupe_key: str | None = None,
    at: datetime | None = None,
) -> Message | None:
    """Record the member's message for `event` and queue its delivery after commit; or record it as skipped,
    with the reason. None when a message with this dedupe key exists already (sent at most once)."""
    if event not in EVENTS:
        raise ValueError(f"unknown message event {event!r}")
    kind = EVENTS[event].kind
    if dedupe_key and Message.objects.filter(shop_id=member.shop_id, dedupe_key=dedupe_key).exists():
        return None  # a cheap early answer for re-runs; the unique constraint below is the guarantee
    with transaction.atomic():
        if kind == MessageKind.MARKETING:
            member = _member_locked(member.pk)  # consent read fresh; concurrent sends queue behind the cap count
        channel, to = message_address(member)
        language = member.language or member.shop.language
        reason = _skip_reason(member, event, channel, to, at)
        subject = body = ""
        if not reason:
            marketing = kind == MessageKind.MARKETING
            subject, body = message_render(event, member, language, context or {}, marketing=marketing)
        message = _record(
            member=member,
            event=event,
            kind=kind,
            channel=channel,
            to=to,
            language=language,
            subject=subject,
            body=body,
            reason=reason,
            dedupe_key=dedupe_key,
            at=at,
        )
        if message is not None and message.status == MessageStatus.QUEUED:
            message_queue(message.pk)
    return message


def _member_locked(member_id: int) -> Member:
    return Member.objects.select_for_update(of=("self",)).select_related("shop").get(pk=member_id)


def message_address(member: Member) -> tuple[str, str]:
    """The member's channel (their choice, else email when they have one, else SMS) and address on it."""
    channel = member.channel or (Channel.EMAIL if member.email else Channel.SMS)
    return channel, member.email if channel == Channel.EMAIL else member.phone


def _skip_reason(member: Member, event: str, channel: str, to: str, at: datetime | None) -> str:
    if member.erased_at:
        return "erased"
    if member.merged_into_id:
        return "merged"
    if not to:
        return "no_address"
    if event == RECEIPT:
        return _receipt_refusal(member, channel)
    if EVENTS[event].kind != MessageKind.MARKETING:
        return ""
    if not member.marketing_consent:
        return "no_consent"
    if marketing_count(member, at=at or timezone.now()) >= member.shop.marketing_cap_per_week:
        return "weekly_cap"
    return ""


def _receipt_refusal(member: Member, channel: str) -> str:
    if not member.receipts:
        return "receipts_off"
    if channel not in member.shop.receipt_channels:
        return "channel_off"
    return ""


def receipt_wanted(member: Member) -> bool:
    """Whether a purchase receipt would go to this member (the shop's channels, the member's choice)."""
    channel, to = message_address(member)
    return bool(to) and not member.erased_at and not _receipt_refusal(member, channel)


def marketing_count(member: Member, *, at: datetime) -> int:
    """Marketing messages queued or sent to the member in the seven days up to `at`."""
    return Message.objects.filter(
        member=member,
        kind=MessageKind.MARKETING,
        status__in=[MessageStatus.QUEUED, MessageStatus.SENT],
        created_at__gt=at - CAP_WINDOW,
        created_at__lte=at,
    ).count()


def _record(*, member: Member, dedupe_key: str | None, at: datetime | None, **fields) -> Message | None:
    status = MessageStatus.SKIPPED if fields["reason"] else MessageStatus.QUEUED
    try:
        with transaction.atomic():  # a savepoint: losing the dedupe race leaves the caller's transaction usable
            message = Message.objects.create(
                shop_id=member.shop_id, member=member, status=status, dedupe_key=dedupe_key, **fields
            )
    except IntegrityError:
        if dedupe_key and Message.objects.filter(shop_id=member.shop_id, dedupe_key=dedupe_key).exists():
            return None
        raise
    if at is not None:  # a job's moment, not the clock's: the weekly cap counts from when the event happened
        Message.objects.filter(pk=message.pk).update(created_at=at)
        message.created_at = at
    return message


def message_queue(message_id: int) -> None:
    """Deliver after commit; a broker that is down loses the task, not the change (messages_due re-queues it)."""
    enqueue_after_commit("loyalty.tasks.deliver_message", message_id)


# ---------------------------------------------------------------- rendering


def message_render(event: str, member: Member, language: str, context: dict, *, marketing: bool) -> tuple[str, str]:
    """Subject and body in the member's language; money and dates localised; marketing ends with the link."""
    shop = member.shop
    with translation.override(language):
        values = {
            "member": member,
            "shop": shop,
            **{key: _localised(value, shop, language) for key, value in context.items()},
            "points_name": points_name(shop),
            "points_text": {
                key: points_text(value, shop)
                for key, value in context.items()
                if key in POINT_FIELDS and isinstance(value, int)
            },
        }
        subject = " ".join(render_to_string(f"messages/{event}_subject.txt", values).split())
        body = _tidy(render_to_string(f"messages/{event}_body.txt", values))
        if marketing:
            stop = gettext("Unsubscribe: %(url)s") % {"url": unsubscribe_url(member.pk)}
            body = f"{body}\n\n{stop}"
    return subject[:200], body


def _localised(value, shop, language: str):
    if isinstance(value, Money):
        return format_money(value.amount, value.currency, language)
    if isinstance(value, datetime):
        return formats.date_format(value.astimezone(shop.tz).date(), "DATE_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, (list, tuple)):
        return display_list([_localised(item, shop, language) for item in value], language)
    return value


def points_name(shop) -> str:
    """What the shop's points are called, in the active language unless the program names them."""
    return points_unit(shop_program(shop))


def points_text(count: int, shop) -> str:
    return points_phrase(count, shop_program(shop))


def _tidy(text: str) -> str:
    """Template lines without their indentation, at most one blank line in a row."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
