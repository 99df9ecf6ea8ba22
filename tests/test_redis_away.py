"""Redis stopped: the till API, the counter and the member card keep working. The cache (in Redis) answers as an
empty cache and the log says so; the task queue (Redis too) cannot take the receipt or the webhooks, the committed
purchase stands and the log says so, and the jobs send them again when Redis is back (messages_due, webhooks_due).

Redis is "stopped" by pointing the cache and the broker at a port where nothing listens. With Django's own
RedisCache instead of DegradingRedisCache the till API answers 500; without robust=True on the queueing the
committed purchase answers 500."""

import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from loyalty.celery import app as celery_app
from loyalty.member_site.access import member_user
from loyalty.models import Purchase, Role
from loyalty.services.api_keys import api_key_create
from loyalty.services.webhooks import webhook_endpoint_create
from tests.counter.helpers import purchase_post
from tests.factories import ProgramFactory, StaffFactory, enrol
from tests.till import TillClient

NOWHERE = "redis://127.0.0.1:9/0"  # the discard port: nothing answers


@pytest.fixture
def redis_away(settings, monkeypatch, transactional_db):
    settings.CACHES = {"default": {"BACKEND": "loyalty.cache.DegradingRedisCache", "LOCATION": NOWHERE}}
    settings.API_RATE_LIMIT = 5
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app.conf, "broker_url", NOWHERE)
    monkeypatch.setattr(celery_app.conf, "broker_transport_options", settings.CELERY_REDIS_TRANSPORT_OPTIONS)
    monkeypatch.setattr(celery_app, "_pool", None)  # a pool made earlier would still reach the real Redis
    yield
    celery_app._pool = None


def test_the_till_the_counter_and_the_card_work_while_redis_is_away(redis_away, caplog):
    shop = ProgramFactory(shop__receipt_channels=["email"]).shop
    webhook_endpoint_create(shop=shop, url="https://hooks.example.com/x", events=["points.changed"])
    member = enrol(shop, email="lan@example.com")
    _, raw = api_key_create(shop=shop, role=Role.CASHIER)

    with caplog.at_level(logging.WARNING):
        for number in range(7):  # more than the rate limit: with no counter to read, none is refused
            response = TillClient().post(
                "/api/v1/purchases",
                data=json.dumps({"external_id": f"AWAY-{number}", "amount": "100000", "member": str(member.pk)}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                HTTP_IDEMPOTENCY_KEY=f"away-{number}",
            )
            assert response.status_code == 201, response.content
    assert Purchase.objects.filter(shop=shop).count() == 7
    assert "cache unavailable" in caplog.text
    assert cache.get("anything", "default") == "default"

    cashier = StaffFactory(shop=shop, role=Role.CASHIER).user
    counter = Client()
    counter.force_login(cashier)
    assert counter.get(reverse("counter:member", kwargs={"member_id": member.pk})).status_code == 200
    recorded = purchase_post(counter, member, follow=True, amount="50000")
    assert recorded.status_code == 200, recorded.content.decode()[:2000]
    assert Purchase.objects.filter(shop=shop).count() == 8

    card = Client()
    card.force_login(member_user(member))
    assert card.get(reverse("member:shop", kwargs={"slug": shop.slug})).status_code == 200
