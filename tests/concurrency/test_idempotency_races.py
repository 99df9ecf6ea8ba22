"""50 concurrent repeats of one Idempotency-Key through the till API make one effect and identical bodies."""

import json
from decimal import Decimal

import pytest

from loyalty.models import LedgerEntry, Purchase
from loyalty.services.api_keys import api_key_create
from loyalty.services.invariants import ledger_violations
from tests.factories import ProgramFactory, enrol
from tests.threads import race
from tests.till import TillClient as Client

pytestmark = pytest.mark.postgres


def concurrently(count: int, work) -> list:
    return race(count, lambda _i, _prepared: work())


def test_fifty_repeats_of_one_key_record_one_purchase(transactional_db):
    shop = ProgramFactory(earn_per_amount=Decimal("40000")).shop
    member = enrol(shop)
    _, raw = api_key_create(shop=shop, role="cashier")
    body = json.dumps({"external_id": "RACE-1", "amount": "100000", "member": str(member.pk)})

    def post():
        response = Client().post(
            "/api/v1/purchases",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_IDEMPOTENCY_KEY="one-key",
        )
        return response.status_code, response.content, response.get("Idempotent-Replayed")

    results = concurrently(50, post)
    assert {status for status, _, _ in results} == {201}
    assert len({content for _, content, _ in results}) == 1, "every repeat answers the first response"
    assert sum(replayed == "true" for _, _, replayed in results) == 49
    assert Purchase.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="earn").count() == 1
    assert ledger_violations() == []
