"""The insights pages' URL arguments for the portal's tenant-isolation walk (tests/portal/test_tenant_isolation.py):
how to make a segment and a campaign of a given shop."""

from __future__ import annotations

from django.utils import timezone

from insights.models import Segment
from insights.services.campaigns import campaign_save
from insights.services.rules import segment_save
from loyalty.models import Shop
from tests.factories import ProgramFactory

RULES = [{"field": "visits", "op": "gte", "value": 0}]


def _shop(shop: Shop) -> Shop:
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    return Shop.objects.get(pk=shop.pk)


def _segment(shop: Shop) -> Segment:
    shop = _shop(shop)
    return Segment.objects.filter(shop=shop, name="Walk").first() or segment_save(
        shop=shop, name="Walk", match="all", rules=RULES
    )


def _campaign(shop: Shop):
    segment = _segment(shop)
    texts = {segment.shop.language: {"subject": "Walk", "body": "Walking"}}
    later = timezone.now() + timezone.timedelta(days=7)
    return campaign_save(shop=segment.shop, name="Walk", segment=segment, texts=texts, send_at=later)


OBJECTS = {
    "segment_id": lambda shop: _segment(shop).pk,
    "campaign_id": lambda shop: _campaign(shop).pk,
}
