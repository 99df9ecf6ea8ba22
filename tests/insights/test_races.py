"""Campaigns under real concurrency on PostgreSQL: four workers sending one campaign at once draw its audience
once and give each targeted member one message and one grant of points; the ledger stays whole."""

from __future__ import annotations

import pytest

from insights.models import CampaignMember, Group
from insights.services.campaigns import campaign_save, campaign_send
from insights.services.rules import segment_save
from loyalty.models import LedgerEntry, Message
from loyalty.services.invariants import ledger_violations
from loyalty.services.members import consent_set
from tests.threads import race

from .conftest import enrol, utc

pytestmark = pytest.mark.postgres
T = utc(2031, 5, 15, 3, 0)  # 10:00 in Ho Chi Minh City


@pytest.fixture
def shop(transactional_db, saigon):
    return saigon


def test_workers_sending_one_campaign_at_once_give_each_member_one_of_everything(shop):
    for _ in range(30):
        consent_set(member=enrol(shop, email="x@example.com", at=T), granted=True, source="portal", at=T)
    segment = segment_save(shop=shop, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    campaign = campaign_save(
        shop=shop, name="Race", segment=segment, texts={"en": {"subject": "Hi", "body": "Come"}}, points=3,
        reason="Thanks", holdout_percent=10, send_at=T, now=T,
    )  # fmt: skip
    results = race(4, lambda i, _: campaign_send(campaign.pk, at=T))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(results) == 27  # 30 members, 3 held back, each handled by one worker only
    assert CampaignMember.objects.filter(campaign=campaign).count() == 30
    assert CampaignMember.objects.filter(campaign=campaign, group=Group.HOLDOUT).count() == 3
    assert Message.objects.filter(event="campaign").count() == 27
    assert LedgerEntry.objects.filter(source=f"campaign:{campaign.pk}").count() == 27
    assert ledger_violations() == []
