"""Surprise rewards: the draw is decided from the purchase (a replay or a retry never draws twice), its observed
rate over 10,000 purchases is within statistical bounds of the setting, and a refund cancels an unused win."""

from __future__ import annotations

import math

import pytest
from django.db import transaction
from django.urls import reverse

from challenges.models import Surprise, SurpriseWin
from challenges.services.surprises import draw_wins
from loyalty.errors import DuplicatePurchase
from loyalty.services.config import config_import
from loyalty.services.member_messages import purchase_notify
from rewards.models import Voucher, VoucherStatus
from rewards.services import voucher_use
from tests.factories import StaffFactory

from .conftest import NOW, buy, customer, fun_document, refund


def shop_with(slug: str = "lucky", one_in: int = 20, min_spend: str = "0"):
    surprise = {"code": "pastry", "name": "Surprise pastry", "one_in": one_in, "reward": "pastry",
                "min_spend": min_spend}  # fmt: skip
    return config_import(fun_document(slug, challenges=[], surprises=[surprise]))


def receipt_that(shop, wins: bool, start: int = 0) -> str:
    surprise = Surprise.objects.get(shop=shop)
    for number in range(start, start + 10_000):
        if draw_wins(surprise, shop_id=shop.pk, external_id=f"R-{number}") == wins:
            return f"R-{number}"
    raise AssertionError("no such receipt in 10,000")


def test_the_observed_rate_over_10000_purchases_is_within_bounds_of_1_in_20(db):
    """Binomial(10,000, 1/20): mean 500, standard deviation 21.8; four deviations either side fail once in
    15,000 runs, and the draw is deterministic, so it either always passes or always fails."""
    shop = shop_with()
    surprise = Surprise.objects.get(shop=shop)
    wins = sum(draw_wins(surprise, shop_id=shop.pk, external_id=f"T-{n:05d}") for n in range(10_000))
    sigma = math.sqrt(10_000 * (1 / 20) * (19 / 20))
    assert abs(wins - 500) < 4 * sigma, wins


def test_a_winning_purchase_issues_the_voucher_once_and_a_losing_one_nothing(db):
    shop = shop_with()
    member = customer(shop)
    buy(shop, member, external_id=receipt_that(shop, wins=False))
    assert not SurpriseWin.objects.exists()
    purchase = buy(shop, member, external_id=receipt_that(shop, wins=True))
    win = SurpriseWin.objects.get()
    assert win.purchase == purchase and win.voucher.reward.code == "pastry" and win.voucher.source == "surprise"


def test_a_replayed_receipt_never_draws_again(db):
    shop = shop_with()
    member = customer(shop)
    receipt = receipt_that(shop, wins=True)
    buy(shop, member, external_id=receipt)
    with pytest.raises(DuplicatePurchase):
        buy(shop, member, external_id=receipt)
    assert SurpriseWin.objects.count() == 1 and Voucher.objects.filter(member=member).count() == 1


def test_a_retry_after_a_rollback_draws_the_same_and_wins_once(db):
    shop = shop_with()
    member = customer(shop)
    receipt = receipt_that(shop, wins=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        buy(shop, member, external_id=receipt)
        raise RuntimeError("the till's connection dropped before the commit")
    assert not SurpriseWin.objects.exists()
    buy(shop, member, external_id=receipt)
    assert SurpriseWin.objects.count() == 1


def test_the_draw_depends_on_the_receipt_not_on_when_it_is_drawn(db):
    shop = shop_with(one_in=2)
    surprise = Surprise.objects.get(shop=shop)
    draws = [draw_wins(surprise, shop_id=shop.pk, external_id=f"R-{n}") for n in range(64)]
    assert draws == [draw_wins(surprise, shop_id=shop.pk, external_id=f"R-{n}") for n in range(64)]
    assert 0 < sum(draws) < 64


def test_a_purchase_below_the_minimum_spend_is_not_drawn(db):
    shop = shop_with(min_spend="100000")
    buy(shop, customer(shop), "99999", external_id=receipt_that(shop, wins=True))
    assert not SurpriseWin.objects.exists()


def test_a_refund_cancels_an_unused_win(db):
    shop = shop_with()
    member = customer(shop)
    purchase = buy(shop, member, "50000", external_id=receipt_that(shop, wins=True))
    refund(shop, purchase, "10000")
    win = SurpriseWin.objects.select_related("voucher").get()
    assert win.voucher.status == VoucherStatus.CANCELLED and win.cancelled_by is not None


def test_a_refund_leaves_a_win_already_used(db):
    shop = shop_with()
    member = customer(shop)
    purchase = buy(shop, member, external_id=receipt_that(shop, wins=True))
    voucher = SurpriseWin.objects.get().voucher
    voucher_use(shop=shop, code=voucher.code, member=member, at=NOW)
    refund(shop, purchase)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED and SurpriseWin.objects.get().cancelled_by is None


def test_the_win_is_on_the_receipt_message_in_the_members_language(db):
    shop = shop_with()
    member = customer(shop, email="linh@example.com")
    purchase = buy(shop, member, external_id=receipt_that(shop, wins=True))
    [receipt] = [m for m in purchase_notify(purchase_id=purchase.pk, at=NOW) if m.event == "purchase_receipt"]
    code = SurpriseWin.objects.get().voucher.code
    assert f"Surprise! This purchase won Pastry: voucher {code}." in receipt.body


def test_the_win_is_on_the_counters_purchase_page(db, client):
    shop = shop_with()
    purchase = buy(shop, customer(shop), external_id=receipt_that(shop, wins=True))
    client.force_login(StaffFactory(shop=shop, role="cashier").user)
    html = client.get(reverse("counter:purchase_detail", kwargs={"purchase_id": purchase.pk})).content.decode()
    assert "This purchase won Pastry." in html and SurpriseWin.objects.get().voucher.code in html
