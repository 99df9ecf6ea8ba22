"""What the changes that cause a message queue: a task that decides and records it after the commit, so nothing
is sent for a rolled-back change and the request pays for nothing but the queueing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from loyalty.queue import enqueue_after_commit

from .notifications import receipt_wanted

RECEIPT_MAX_AGE = timedelta(days=1)  # a backdated purchase (an import, a late till sync) gets no receipt


def welcome_queue(member) -> None:
    enqueue_after_commit("loyalty.tasks.notify_welcome", member.pk)


def purchase_queue(purchase, *, member, now: datetime | None = None, unlocks: bool = False) -> None:
    """The receipt and "reward unlocked" are decided by a task, queued only when there is something to send: a
    receipt the member would get, or a reward the purchase may have brought within reach (`unlocks`). Nothing for
    a purchase older than a day at the moment it was recorded (`now`): a late till sync, an import."""
    if purchase.occurred_at < (now or timezone.now()) - RECEIPT_MAX_AGE:
        return
    if unlocks or receipt_wanted(member):
        enqueue_after_commit("loyalty.tasks.notify_purchase", purchase.pk)


def tier_up_queue(change) -> None:
    enqueue_after_commit("loyalty.tasks.notify_tier_up", change.pk)
