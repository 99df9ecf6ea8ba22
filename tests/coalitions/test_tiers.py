"""Tiers inside a coalition: a shop's tier basis is what occurred at that shop. The shared account's tier belongs
to the program of the shop that opened the account; the points a customer earns at the other shops do not count
towards it, and the other shops neither move it nor give its multiplier, discount or tier-only rewards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import Account
from loyalty.selectors import member_discount_percent
from loyalty.services.config import config_import, document_import
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from loyalty.services.tiers import tiers_review
from tests.factories import enrol
from tests.loyalty.documents import document, program
from tests.loyalty.test_api import Till

pytestmark = pytest.mark.django_db
D = Decimal


def tiered(slug: str) -> dict:
    return document(
        slug,
        program(
            "10000",
            tiers={
                "basis": "points_earned",
                "window": "lifetime",
                "downgrade_grace_days": 0,
                "levels": [
                    {"code": "base", "name": "Base", "threshold": 0, "multiplier": "1", "discount_percent": "0"},
                    {"code": "gold", "name": "Gold", "threshold": 100, "multiplier": "2", "discount_percent": "10"},
                ],
            },
        ),
    )


@pytest.fixture
def shops():
    store, brand = config_import(tiered("t-store")), config_import(tiered("t-brand"))
    terms = {"cost_per_point": "100", "reimbursement_per_point": "90"}
    document_import(
        {
            "coalition": {
                "code": "t-club",
                "name": "Club",
                "currency": "VND",
                "members": [{"merchant": "t-store", **terms}, {"merchant": "t-brand", **terms}],
            }
        }
    )
    return store, brand


def test_points_earned_at_another_shop_do_not_count_towards_the_home_shops_tier(shops):
    store, brand = shops
    customer = enrol(store)
    at_brand = member_lookup(brand, customer.phone)
    purchase_record(shop=brand, external_id="B1", amount=D("2000000"), member=at_brand)  # 200 points at the brand
    account = Account.objects.select_related("tier").get(pk=customer.account_id)
    assert account.points_balance == 200 and account.tier.code == "base", "the brand's purchase moved no tier"
    tiers_review(store.program, as_of=timezone.now(), tz=store.tz)
    assert Account.objects.get(pk=customer.account_id).tier.code == "base", "nor does the review count it"
    purchase_record(shop=store, external_id="S1", amount=D("1000000"), member=customer)  # 100 points here
    assert Account.objects.get(pk=customer.account_id).tier.code == "gold"


def test_the_home_shops_tier_gives_nothing_at_another_shop(shops):
    store, brand = shops
    customer = enrol(store)
    purchase_record(shop=store, external_id="S1", amount=D("1000000"), member=customer)
    at_brand = member_lookup(brand, customer.phone)
    assert at_brand.account.tier.code == "gold"
    assert member_discount_percent(at_brand, timezone.now()) == 0
    made = purchase_record(shop=brand, external_id="B1", amount=D("100000"), member=at_brand)
    assert made.purchase.points_earned == 10, "no ×2 of the store's Gold at the brand"
    answer = Till(brand).get("/members/lookup", q=customer.phone).json()
    assert answer["tier"] is None and answer["discount_percent"] == "0"
    assert Till(store).get("/members/lookup", q=customer.phone).json()["tier"]["code"] == "gold"
