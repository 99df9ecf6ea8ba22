"""The hot paths run a fixed number of queries whatever the member's history."""

import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from loyalty.services.api_keys import api_key_create
from loyalty.services.purchases import purchase_record
from tests.factories import enrol


@pytest.fixture
def till(shop):
    _, raw = api_key_create(shop=shop, role="cashier")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def record_through_api(till, member, external_id):
    return till.post(
        "/api/v1/purchases",
        data=json.dumps({"external_id": external_id, "amount": "100000", "member": str(member.pk)}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_recording_a_purchase_costs_the_same_queries_with_a_long_history(shop, till):
    member = enrol(shop)
    record_through_api(till, member, "Q-warm")  # loads the program's rules and stamps the key's last use
    first = queries_of(lambda: record_through_api(till, member, "Q-first"))
    for n in range(30):
        purchase_record(shop=shop, external_id=f"H-{n}", amount=Decimal("40000"), member=member)
    later = queries_of(lambda: record_through_api(till, member, "Q-later"))
    assert later == first
    assert later <= 17, later


def test_showing_a_member_costs_the_same_queries_with_a_long_history(shop, till):
    member = enrol(shop)
    purchase_record(shop=shop, external_id="H-first", amount=Decimal("40000"), member=member)
    till.get(f"/api/v1/members/{member.pk}")
    first = queries_of(lambda: till.get(f"/api/v1/members/{member.pk}"))
    for n in range(30):
        purchase_record(shop=shop, external_id=f"H-{n}", amount=Decimal("40000"), member=member)
    later = queries_of(lambda: till.get(f"/api/v1/members/{member.pk}"))
    assert later == first and later <= 12, later
