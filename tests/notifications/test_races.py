"""The weekly cap, the dedupe key and the delivery lease under real concurrency on PostgreSQL: racing sends
never exceed the cap, a key is sent once however many workers race with it, and copies of one delivery task
running together send the message once."""

import time
from collections import Counter

import pytest

from loyalty.models import Message, MessageStatus
from loyalty.notifications import gateways
from loyalty.services.message_delivery import message_deliver
from loyalty.services.notifications import notify
from tests.factories import ProgramFactory
from tests.threads import race

from .helpers import member_with

pytestmark = pytest.mark.postgres


def test_racing_marketing_sends_never_exceed_the_weekly_cap(transactional_db):
    member = member_with(ProgramFactory().shop)  # the cap is 2
    results = race(6, lambda i, _: notify(member=member, event="birthday", context={"points": i}))
    assert not [r for r in results if isinstance(r, BaseException)]
    statuses = Counter(Message.objects.filter(member=member, kind="marketing").values_list("status", flat=True))
    assert statuses == {"sent": 2, "skipped": 4}  # delivered after each commit (Celery is eager here)


def test_racing_workers_send_a_dedupe_key_once(transactional_db):
    member = member_with(ProgramFactory().shop)
    results = race(
        6, lambda i, _: notify(member=member, event="tier_up", context={"tier": "Gold"}, dedupe_key="tier_up:race")
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    assert sum(r is not None for r in results) == 1
    assert Message.objects.filter(dedupe_key="tier_up:race").count() == 1


def test_racing_copies_of_a_delivery_send_the_message_once(transactional_db, text_outbox, monkeypatch):
    member = member_with(ProgramFactory().shop)
    message = notify(member=member, event="tier_up", context={"tier": "Gold"})  # delivered at once (eager)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED, sent_at=None, attempts=0)
    text_outbox.clear()
    send = gateways.LocmemGateway.send

    def slow_send(self, **kwargs):  # a provider taking its time: every copy is running meanwhile
        time.sleep(0.3)
        return send(self, **kwargs)

    monkeypatch.setattr(gateways.LocmemGateway, "send", slow_send)
    results = race(6, lambda i, _: message_deliver(message.pk))
    assert not [r for r in results if isinstance(r, BaseException)]
    message.refresh_from_db()
    assert len(text_outbox) == 1 and message.attempts == 1 and message.status == MessageStatus.SENT
