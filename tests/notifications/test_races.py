"""The weekly cap and the dedupe key under real concurrency on PostgreSQL: racing sends never exceed the cap,
and a key is sent once however many workers race with it."""

from collections import Counter

import pytest

from loyalty.models import Message
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
