"""Concurrent spends at two shops from one shared balance (PostgreSQL, threads)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.models import Account, Member
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem
from tests.factories import enrol
from tests.threads import race

from .helpers import two_shops

pytestmark = pytest.mark.postgres


def test_spends_at_two_shops_never_overdraw_the_shared_balance(transactional_db):
    """2,000 points, 8 redemptions of a 600-point reward (in both catalogues) at once, half at each shop:
    exactly 3 succeed."""
    store, brand = two_shops("r")
    customer = enrol(store)
    purchase_record(shop=store, external_id="B1", amount=Decimal("20000000"), member=customer)
    at_brand = member_lookup(brand, customer.phone)

    def prepare(i):
        member = customer if i % 2 else at_brand
        return Member.objects.select_related("shop", "account").get(pk=member.pk)

    def act(i, member):
        return reward_redeem(member=member, reward_code="tin", actor=Actor(shop=member.shop))

    results = race(8, act, prepare=prepare)
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert len(ok) == 3, results
    assert Account.objects.get(pk=customer.account_id).points_balance == 200
    assert not ledger_violations(), "the ledger's invariants hold"
