"""Messages to members: one service decides what is sent, to which address, in which language, or why not, and
records it as a Message; Celery delivers it after commit through the channel's gateway, with retries.

Delivery claims the message with a lease (claimed_at), so a duplicate of the task sends nothing while an attempt
is under way, and judges the member again (erased, merged, consent withdrawn since). The provider gets a key
that is the same for every attempt. A job re-queues what a lost task or a dead worker left queued.

Transactional messages (a receipt, a tier reached) go to every member with an address. Marketing messages
(a reward unlocked, a birthday) need marketing consent, carry an unsubscribe link, and count against the
shop's weekly cap per member. A dedupe key makes an event's message happen at most once, whoever asks again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from loyalty.errors import ValidationFailed
from loyalty.formats import display_list, last_usable_day
from loyalty.models import Channel, LedgerEntry, Member, Message, MessageKind, MessageStatus, Purchase, TierChange
from loyalty.money import format_money
from loyalty.notifications.gateways import GatewayError, gateway_for

from .batches import BATCH, accounts_in_batches

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "regulars.unsubscribe"
CAP_WINDOW = timedelta(days=7)
MAX_ATTEMPTS = 6  # the first try and five retries: 1, 2, 4, 8, 16 minutes apart
FIRST_RETRY_SECONDS = 60
# An attempt holds the message this long: far above twice a gateway's timeout (10 s by default), so only an
# attempt whose worker died loses it; the re-queue job and any duplicate task may then take it over.
SEND_LEASE = timedelta(minutes=5)
UNCLAIMED_AFTER = timedelta(minutes=5)  # queued and never tried for this long: its task was lost
RETRIES_LOST_AFTER = timedelta(hours=2)  # tried, released, and still queued long after the backoff (31 min)
REQUEUE_BATCH = 1000
POINTS_EXPIRING_WITHIN = timedelta(days=30)
POINTS_REMINDER_EVERY = timedelta(days=30)  # one "points expiring" reminder per member in this long
VOUCHER_EXPIRING_WITHIN = timedelta(days=3)
RECEIPT_MAX_AGE = timedelta(days=1)  # a backdated purchase (an import, a late till sync) gets no receipt
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
}


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
    from loyalty.member_site.access import absolute_url

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
        reason = _skip_reason(member, kind, to, at)
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
            _queue_delivery(message.pk)
    return message


def _member_locked(member_id: int) -> Member:
    return Member.objects.select_for_update(of=("self",)).select_related("shop").get(pk=member_id)


def message_address(member: Member) -> tuple[str, str]:
    """The member's channel (their choice, else email when they have one, else SMS) and address on it."""
    channel = member.channel or (Channel.EMAIL if member.email else Channel.SMS)
    return channel, member.email if channel == Channel.EMAIL else member.phone


def _skip_reason(member: Member, kind: str, to: str, at: datetime | None) -> str:
    if member.erased_at:
        return "erased"
    if member.merged_into_id:
        return "merged"
    if not to:
        return "no_address"
    if kind != MessageKind.MARKETING:
        return ""
    if not member.marketing_consent:
        return "no_consent"
    if marketing_count(member, at=at or timezone.now()) >= member.shop.marketing_cap_per_week:
        return "weekly_cap"
    return ""


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


def _queue_delivery(message_id: int) -> None:
    """After commit; robust: a broker that is down loses the task, not the change (messages_due re-queues it)."""
    from loyalty import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.deliver_message.delay(message_id), robust=True)


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


def _program_points_name(shop) -> str:
    try:
        return shop.program.points_name
    except AttributeError:  # a shop without a program (the reverse one-to-one is missing)
        return ""


def _custom_points_name(shop) -> str:
    """The program's own name for its points, or "" when it is the default ("points" in some language)."""
    name = _program_points_name(shop).strip()
    if not name or name == "points":
        return ""
    with translation.override(shop.language):  # new shops get "points" in the shop's language
        default = gettext("points")
    return "" if name == default else name


def points_name(shop) -> str:
    """What the shop's points are called, in the active language unless the program names them."""
    return _custom_points_name(shop) or gettext("points")


def points_text(count: int, shop) -> str:
    """A number of points as the active language writes it: grouped ("12,345" / "12.345") and named after the
    program's points, or "1 point" / "2 points" translated when the program keeps the default name."""
    number = formats.number_format(count, force_grouping=True)
    name = _custom_points_name(shop)
    if name:
        return f"{number} {name}"
    return ngettext("%(count)s point", "%(count)s points", count) % {"count": number}


def _tidy(text: str) -> str:
    """Template lines without their indentation, at most one blank line in a row."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# ---------------------------------------------------------------- delivery


def message_retry_delay(retries: int) -> int:
    """Seconds before retry number `retries` (1, 2, 3 …): 60, 120, 240 …"""
    return FIRST_RETRY_SECONDS * 2 ** max(retries - 1, 0)


def message_deliver(message_id: int, *, last_attempt: bool = False) -> Message | None:
    """One attempt to send a queued message. A message sent, failed or skipped meanwhile, or held by an attempt
    under way, is left alone. A gateway error is recorded and raised for the task to retry, or, on the last
    attempt or when the provider refused it for good, marks it failed."""
    now = timezone.now()
    # Claim with a lease, in one conditional update: a duplicate of the task (the broker delivering it twice,
    # the re-queue job) finds it held and sends nothing, without a lock held while the gateway answers.
    claimed = (
        Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - SEND_LEASE))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    message = Message.objects.select_related("member").filter(pk=message_id).first()
    if not claimed or message is None:
        return message
    held = Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED, claimed_at=now)
    member = message.member
    reason = _delivery_skip_reason(message, member)
    if reason:  # the member changed since the message was queued
        held.update(status=MessageStatus.SKIPPED, reason=reason, claimed_at=None, attempts=F("attempts") - 1)
        message.status, message.reason, message.claimed_at, message.attempts = (
            MessageStatus.SKIPPED,
            reason,
            None,
            message.attempts - 1,
        )
        return message
    marketing = message.kind == MessageKind.MARKETING
    try:
        provider_id = gateway_for(message.channel).send(
            to=message.to,
            subject=message.subject,
            body=_body_to_send(message, member),
            unsubscribe_url=unsubscribe_url(message.member_id) if marketing else "",
            key=f"msg-{message.pk}",
        )
    except GatewayError as error:
        message.reason, message.claimed_at = str(error)[:200], None
        if error.permanent or last_attempt or message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            held.update(status=message.status, reason=message.reason, claimed_at=None)
            logger.warning("message %s failed after %s attempts: %s", message.pk, message.attempts, message.reason)
            return message
        held.update(reason=message.reason, claimed_at=None)  # released: the task's retry claims it again
        raise
    message.status, message.sent_at, message.reason, message.claimed_at = (MessageStatus.SENT, timezone.now(), "", None)
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=message.status, sent_at=message.sent_at, reason="", claimed_at=None
    )
    logger.info("message %s sent by %s as %s", message.pk, message.channel, provider_id)
    return message


def _delivery_skip_reason(message: Message, member: Member) -> str:
    """Judged again when sending: erased or merged since, or marketing whose consent was withdrawn since."""
    if member.erased_at:
        return "erased"
    if member.merged_into_id:
        return "merged"
    if message.kind == MessageKind.MARKETING and not member.marketing_consent:
        return "no_consent"
    return ""


def _body_to_send(message: Message, member: Member) -> str:
    """The stored body, with the welcome's sign-in link signed now (a stored body never holds one)."""
    if message.event != "welcome" or MEMBER_LINK not in message.body:
        return message.body
    from loyalty.member_site.access import absolute_url, member_link_token

    link = absolute_url(reverse("member:link", args=[member_link_token(member)]))
    return message.body.replace(MEMBER_LINK, link)


def messages_due(*, as_of: datetime) -> int:
    """The job's safety net: queued messages whose task was lost (never tried for a few minutes), whose worker
    died mid-send (the lease ran out), or whose retries were lost (still queued long after the backoff ended).
    The partial index of queued messages serves it; the lease keeps a re-queued copy from sending twice."""
    due = list(
        Message.objects.filter(status=MessageStatus.QUEUED, created_at__lte=as_of - UNCLAIMED_AFTER)
        .filter(
            Q(claimed_at__lt=as_of - SEND_LEASE)
            | Q(claimed_at__isnull=True, attempts=0)
            | Q(claimed_at__isnull=True, created_at__lte=as_of - RETRIES_LOST_AFTER)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    for message_id in due:
        _queue_delivery(message_id)
    return len(due)


# ---------------------------------------------------------------- events: queued by the changes that cause them


def after_commit(task_name: str, object_id: int) -> None:
    """Queue one of the notification tasks once the change commits: nothing is sent for a rolled-back change,
    and the request pays for nothing but the queueing."""
    from loyalty import tasks

    # Robust: a broker that is down after the commit must not turn the committed change into an error; the
    # change stands, and what it would have queued is lost like any lost task (messages_due re-queues messages).
    transaction.on_commit(lambda: getattr(tasks, task_name).delay(object_id), robust=True)


def welcome_queue(member: Member) -> None:
    after_commit("notify_welcome", member.pk)


def purchase_queue(purchase: Purchase, *, now: datetime | None = None) -> None:
    """The receipt, unless the purchase is older than a day at the moment it was recorded (`now`)."""
    if purchase.member_id and purchase.occurred_at >= (now or timezone.now()) - RECEIPT_MAX_AGE:
        after_commit("notify_purchase", purchase.pk)


def tier_up_queue(change: TierChange) -> None:
    after_commit("notify_tier_up", change.pk)


def welcome_send(*, member_id: int) -> Message | None:
    """The welcome with the sign-in link: stored with a placeholder that delivery replaces with a fresh link, so
    the body managers read (log, exports, admin) never signs anyone in."""
    member = Member.objects.select_related("shop").filter(pk=member_id).first()
    if member is None:
        return None
    return notify(member=member, event="welcome", context={"link": MEMBER_LINK}, dedupe_key=f"welcome:{member.pk}")


def purchase_notify(*, purchase_id: int, at: datetime | None = None) -> list[Message]:
    """The receipt, and "reward unlocked" when the purchase brought an active reward within the member's
    reach that was out of it before (one message naming them, so a purchase uses one marketing slot)."""
    from loyalty.services.ledger import points_available

    purchase = (
        Purchase.objects.select_related("shop", "member__shop", "account__program", "account__tier")
        .filter(pk=purchase_id, member__isnull=False)
        .first()
    )
    if purchase is None:
        return []
    at = at or timezone.now()
    member, shop = purchase.member, purchase.shop
    member.account = purchase.account
    available = points_available(purchase.account, at)
    receipt = {
        "amount": Money(purchase.amount, shop.currency),
        "points_earned": purchase.points_earned,
        "points_redeemed": purchase.points_redeemed,
        "pending": purchase.points_pending,
        "available": available,
    }
    messages = [notify(member=member, event="purchase_receipt", context=receipt, dedupe_key=f"receipt:{purchase.pk}")]
    unlocked = rewards_unlocked(member, available=available, before=available - _available_change(purchase, at), at=at)
    if unlocked:
        context = {"rewards": [reward.name for reward in unlocked], "available": available}
        key = f"reward_unlocked:{member.pk}:{purchase.pk}"
        messages.append(notify(member=member, event="reward_unlocked", context=context, dedupe_key=key))
    return [m for m in messages if m is not None]


def _available_change(purchase: Purchase, at: datetime) -> int:
    """How much the purchase changed the member's spendable points (its points may still be pending)."""
    earned_now = purchase.occurred_at + timedelta(days=purchase.account.program.pending_days) <= at
    return (purchase.points_earned if earned_now else 0) - purchase.points_redeemed


def rewards_unlocked(member: Member, *, available: int, before: int, at: datetime) -> list:
    from rewards.selectors import rewards_within_reach

    return [reward for reward in rewards_within_reach(member, available, at) if reward.points > before]


def tier_up_notify(*, tier_change_id: int) -> list[Message]:
    """For the account's current members, when the account is still in the tier it moved up to."""
    change = TierChange.objects.select_related("to_tier", "account__program").filter(pk=tier_change_id).first()
    if change is None or change.to_tier is None or change.account.tier_id != change.to_tier_id:
        return []
    members = Member.objects.select_related("shop").filter(
        account_id=change.account_id, shop_id=change.account.program.shop_id, merged_into__isnull=True
    )
    context = {"tier": change.to_tier.name}
    sent = [
        notify(member=member, event="tier_up", context=context, dedupe_key=f"tier_up:{change.pk}:{member.pk}")
        for member in members
    ]
    return [m for m in sent if m is not None]


def birthday_dedupe_key(member: Member, *, at: datetime) -> str:
    """Once a year: the year in the shop's time zone."""
    return f"birthday:{member.pk}:{at.astimezone(member.shop.tz).year}"


def birthday_greet(*, member: Member, points: int, at: datetime) -> Message | None:
    """The birthday message, once a year (the year in the shop's time zone)."""
    key = birthday_dedupe_key(member, at=at)
    return notify(member=member, event="birthday", context={"points": points}, dedupe_key=key, at=at)


# ---------------------------------------------------------------- jobs


def points_expiring_notify(*, as_of: datetime) -> int:
    """Members with points expiring in the next 30 days hear it at most once in 30 days (a regular would
    otherwise hear it daily: each day's purchase brings a new expiry date into the window), with the total that
    expires within the window and the first day it happens. One grouped query per batch of accounts finds them;
    a dedupe key per 30-day period keeps racing or repeated runs to one message."""
    lots = LedgerEntry.objects.filter(
        remaining__gt=0, expires_at__gt=as_of, expires_at__lte=as_of + POINTS_EXPIRING_WITHIN
    )

    def send(account_ids: list[int]) -> int:
        rows = (
            lots.filter(account_id__in=account_ids)
            .values("account_id")
            .annotate(points=Sum("remaining"), first=Min("expires_at"))
            .order_by("account_id")
        )
        return _points_expiring_send({row["account_id"]: row for row in rows}, as_of)

    return accounts_in_batches(lots, send)


def _points_expiring_send(rows: dict[int, dict], as_of: datetime) -> int:
    members = list(
        Member.objects.select_related("shop__program").filter(
            account_id__in=list(rows),
            merged_into__isnull=True,
            erased_at__isnull=True,
            account__closed_at__isnull=True,
        )
    )
    if not members:
        return 0
    keys = {
        member.pk: f"points_expiring:{member.pk}:{as_of.astimezone(member.shop.tz).date().toordinal() // 30}"
        for member in members
    }
    shop_ids = {member.shop_id for member in members}
    done = set(
        Message.objects.filter(shop_id__in=shop_ids, dedupe_key__in=keys.values()).values_list("shop_id", "dedupe_key")
    )
    reminded = set(
        Message.objects.filter(
            member_id__in=list(keys),
            kind=MessageKind.TRANSACTIONAL,
            created_at__gt=as_of - POINTS_REMINDER_EVERY,
            event="points_expiring",
        ).values_list("member_id", flat=True)
    )
    sent = 0
    for member in members:
        if member.pk in reminded or (member.shop_id, keys[member.pk]) in done:
            continue
        row = rows[member.account_id]
        context = {
            "points": row["points"],
            "last_day": last_usable_day(row["first"], member.shop.tz),
            "days": POINTS_EXPIRING_WITHIN.days,
        }
        sent += bool(
            notify(member=member, event="points_expiring", context=context, dedupe_key=keys[member.pk], at=as_of)
        )
    return sent


def vouchers_expiring_notify(*, as_of: datetime) -> int:
    """Open vouchers expiring within three days: one message per voucher."""
    from rewards.models import Voucher, VoucherStatus

    due = Voucher.objects.filter(
        status=VoucherStatus.ISSUED, expires_at__gt=as_of, expires_at__lte=as_of + VOUCHER_EXPIRING_WITHIN
    )
    sent, after = 0, 0
    while True:
        vouchers = list(
            due.filter(pk__gt=after).select_related("reward", "member__shop__program").order_by("pk")[:BATCH]
        )
        if not vouchers:
            return sent
        keys = {voucher.pk: f"voucher_expiring:{voucher.pk}" for voucher in vouchers}
        shop_ids = {voucher.shop_id for voucher in vouchers}
        done = set(
            Message.objects.filter(shop_id__in=shop_ids, dedupe_key__in=keys.values()).values_list(
                "shop_id", "dedupe_key"
            )
        )
        for voucher in vouchers:
            if (voucher.shop_id, keys[voucher.pk]) in done:
                continue
            member = voucher.member
            context = {
                "reward": voucher.reward.name,
                "code": voucher.code,
                "last_day": last_usable_day(voucher.expires_at, member.shop.tz),
            }
            sent += bool(
                notify(member=member, event="voucher_expiring", context=context, dedupe_key=keys[voucher.pk], at=as_of)
            )
        after = vouchers[-1].pk
