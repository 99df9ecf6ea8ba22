"""A counter form sent many times at once (a double tap, a retry while the first is still running) acts once:
every request is answered with the place the first one led to."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from loyalty.models import Purchase, Refund
from loyalty.services.invariants import ledger_violations
from rewards.models import Voucher
from tests.factories import ProgramFactory, StaffFactory, enrol
from tests.threads import race

from .helpers import give_points, key

pytestmark = pytest.mark.postgres


def concurrently(count: int, work) -> list:
    return race(count, lambda _i, _prepared: work())


@pytest.fixture
def tablet(transactional_db):
    shop = ProgramFactory(earn_per_amount=Decimal("40000")).shop
    cashier = StaffFactory(shop=shop, role="cashier").user
    member = enrol(shop)
    give_points(member, 50)

    def client() -> Client:
        signed_in = Client()
        signed_in.force_login(cashier)
        return signed_in

    return shop, member, client


def test_twelve_copies_of_one_purchase_form_record_one_purchase(tablet):
    shop, member, client = tablet
    data = {"idempotency_key": key(), "generated_receipt": "C-RACE", "amount": "100000", "points": "10"}
    url = reverse("counter:purchase", kwargs={"member_id": member.pk})
    results = concurrently(12, lambda: client().post(url, data))
    assert {response.status_code for response in results} == {302}
    assert len({response["Location"] for response in results}) == 1
    bought = Purchase.objects.get(shop=shop)
    assert (bought.amount, bought.points_redeemed) == (Decimal("90000"), 10)
    assert ledger_violations() == []


def test_eight_copies_of_one_redemption_issue_one_voucher(tablet):
    shop, member, client = tablet
    from rewards.models import Reward

    Reward.objects.create(shop=shop, code="cake", name="Cake", kind="gift", points=10)
    data = {"idempotency_key": key(), "reward": "cake"}
    url = reverse("counter:redeem", kwargs={"member_id": member.pk})
    results = concurrently(8, lambda: client().post(url, data))
    assert len({response["Location"] for response in results}) == 1
    assert Voucher.objects.filter(member=member).count() == 1
    assert ledger_violations() == []


def test_eight_copies_of_one_refund_refund_once(tablet):
    shop, member, client = tablet
    from loyalty.services.purchases import purchase_record

    bought = purchase_record(shop=shop, member=member, amount=Decimal("80000"), external_id="R-1").purchase
    data = {"idempotency_key": key(), "refund_number": "RF-RACE", "amount": "40000"}
    url = reverse("counter:refund", kwargs={"purchase_id": bought.pk})
    concurrently(8, lambda: client().post(url, data))
    assert Refund.objects.filter(purchase=bought).count() == 1
    assert ledger_violations() == []
