"""The coalition document, one balance across its shops, and the settlement statement (example 9)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from coalitions.models import Coalition
from coalitions.services.settlement import statement
from loyalty.errors import ConfigurationError, NotFound, ValidationFailed
from loyalty.services.config import config_import, document_import
from loyalty.services.ledger import Actor
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.services import reward_redeem
from tests.factories import enrol
from tests.loyalty.documents import document, merchant, program
from tests.loyalty.test_api import Till

from .helpers import two_shops

pytestmark = pytest.mark.django_db
D = Decimal


def period() -> str:
    return timezone.now().astimezone(timezone.get_default_timezone()).strftime("%Y-%m")


def test_a_phone_enrolled_at_one_shop_is_one_balance_at_the_other():
    store, brand = two_shops()
    customer = enrol(store)
    purchase_record(shop=store, external_id="B1", amount=D("10000000"), member=customer)
    seen = member_lookup(brand, customer.phone)
    assert seen.shop == brand and seen.account_id == customer.account_id
    reward_redeem(member=seen, reward_code="tin", actor=Actor(shop=brand))
    seen.account.refresh_from_db()
    assert seen.account.points_balance == 400
    assert member_lookup(brand, customer.phone).pk == seen.pk, "recognised once, not enrolled twice"


def test_a_shop_outside_the_coalition_does_not_see_the_phone():
    store, _brand = two_shops()
    other = config_import(document("c-other", program("10000")))
    customer = enrol(store)
    with pytest.raises(NotFound):
        member_lookup(other, customer.phone)


def test_the_statement_of_example_9_sums_to_zero():
    store, brand = two_shops()
    customer = enrol(store)
    purchase_record(shop=store, external_id="B1", amount=D("10000000"), member=customer)
    reward_redeem(member=member_lookup(brand, customer.phone), reward_code="tin", actor=Actor(shop=brand))
    result = statement(Coalition.objects.get(code="c-club"), period())
    rows = {r.merchant: r for r in result.rows}
    assert (rows["c-store"].issued, rows["c-store"].owes) == (1000, D("100000"))
    assert (rows["c-brand"].redeemed, rows["c-brand"].owed) == (600, D("54000"))
    assert result.pool_change == D("46000")
    assert sum(r.net for r in result.rows) + result.pool_change == 0


def test_a_refund_lowers_what_the_issuer_issued():
    store, _brand = two_shops()
    customer = enrol(store)
    sale = purchase_record(shop=store, external_id="B1", amount=D("1000000"), member=customer)
    purchase_refund(shop=store, purchase_id=sale.purchase.pk, amount=D("400000"), external_id="R1")
    rows = {r.merchant: r for r in statement(Coalition.objects.get(code="c-club"), period()).rows}
    assert rows["c-store"].issued == 60 and rows["c-store"].owes == D("6000")


def test_a_future_period_is_refused():
    two_shops()
    with pytest.raises(ValidationFailed):
        statement(Coalition.objects.get(code="c-club"), "2999-01")


def test_a_shop_of_another_currency_cannot_join():
    config_import(
        document("c-usd", program("1.00", point_value="0.01")) | {"merchant": merchant("c-usd", currency="USD")}
    )
    with pytest.raises(ConfigurationError, match="currency"):
        document_import(
            {
                "coalition": {
                    "code": "x",
                    "name": "X",
                    "currency": "VND",
                    "members": [{"merchant": "c-usd", "cost_per_point": "1", "reimbursement_per_point": "1"}],
                }
            }
        )


# ---------------------------------------------------------------- the till API


def test_the_statement_through_the_api_for_the_coalitions_managers_only():
    store, brand = two_shops()
    outsider = config_import(document("c-outsider", program("10000")))
    customer = enrol(store)
    purchase_record(shop=store, external_id="B1", amount=D("10000000"), member=customer)
    answer = Till(brand, role="manager").get("/coalitions/c-club/settlement", period=period())
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["currency"] == "VND" and body["pool_change"] == "100000"
    assert body["shops"][0] == {
        "merchant": "c-store",
        "issued": 1000,
        "redeemed": 0,
        "owes": "100000",
        "owed": "0",
        "net": "-100000",
    }
    assert Till(outsider, role="manager").get("/coalitions/c-club/settlement", period=period()).status_code == 404
    assert Till(store, role="cashier").get("/coalitions/c-club/settlement", period=period()).status_code == 403
    manager = Till(store, role="manager")
    assert manager.get("/coalitions/c-club/settlement", period="2999-01").status_code == 422
    assert manager.get("/coalitions/c-club/settlement", period="soon").status_code == 422
