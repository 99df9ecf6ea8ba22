"""Sending the messages notify() queued: one attempt per task, retried with backoff, and a job that re-queues
what a lost task or a dead worker left queued.

Delivery claims the message with a lease (claimed_at), so a duplicate of the task sends nothing while an attempt
is under way, and judges the member again (erased, merged, consent withdrawn since). The provider gets a key
that is the same for every attempt.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from loyalty.member_site.access import absolute_url, member_link_token
from loyalty.models import Member, Message, MessageKind, MessageStatus
from loyalty.notifications.gateways import GatewayError, gateway_for

from .notifications import MEMBER_LINK, message_queue, unsubscribe_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # the first try and five retries: 1, 2, 4, 8, 16 minutes apart
FIRST_RETRY_SECONDS = 60
# An attempt holds the message this long: far above twice a gateway's timeout (10 s by default), so only an
# attempt whose worker died loses it; the re-queue job and any duplicate task may then take it over.
SEND_LEASE = timedelta(minutes=5)
UNCLAIMED_AFTER = timedelta(minutes=5)  # queued and never tried for this long: its task was lost
RETRIES_LOST_AFTER = timedelta(hours=2)  # tried, released, and still queued long after the backoff (31 min)
REQUEUE_BATCH = 1000


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
        message_queue(message_id)
    return len(due)
