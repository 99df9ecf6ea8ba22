"""Prepaid packs ("10 washes for the price of 8", valid 180 days) and a plan's monthly allowance ("4 washes a
month", not carried over): sold and used one at a time, never more than there is, under concurrency too."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from memberships.errors import PriceChanged
from memberships.models import PackPurchase
from memberships.services.packs import NothingLeft, allowance_use, allowances_of, pack_buy, pack_use
from tests.factories import StaffFactory

from .conftest import T0, customer, member_of, pay

pytestmark = pytest.mark.django_db


def test_a_pack_is_sold_once_and_used_one_at_a_time_until_none_is_left(vip):
    member = customer(vip)
    bought = pack_buy(member=member, pack_code="wash-10", amount_paid=Decimal("400000"), at=T0)
    assert (bought.uses, bought.remaining) == (10, 10) and bought.expires_at == T0 + timedelta(days=180)
    for _ in range(10):
        pack_use(purchase=bought, at=T0 + timedelta(days=1))
    bought.refresh_from_db()
    assert bought.remaining == 0
    with pytest.raises(NothingLeft):
        pack_use(purchase=bought, at=T0 + timedelta(days=2))


def test_an_expired_pack_cannot_be_used(vip):
    bought = pack_buy(member=customer(vip), pack_code="wash-10", amount_paid=Decimal("400000"), at=T0)
    with pytest.raises(NothingLeft):
        pack_use(purchase=bought, at=bought.expires_at)


def test_a_pack_at_another_price_is_refused(vip):
    with pytest.raises(PriceChanged):
        pack_buy(member=customer(vip), pack_code="wash-10", amount_paid=Decimal("320000"), at=T0)
    assert not PackPurchase.objects.exists()


def test_points_pay_part_of_a_pack(vip):
    member = customer(vip, points=5000)
    bought = pack_buy(member=member, pack_code="wash-10", amount_paid=Decimal("395000"), points=5000, at=T0)
    assert bought.points == 5000 and bought.amount == Decimal("395000")


def test_the_monthly_allowance_is_used_up_and_does_not_carry_over(vip):
    member = customer(vip)
    membership = pay(vip, member, "box", "199000", at=T0).membership
    for _ in range(4):
        allowance_use(membership=membership, code="wash", at=T0 + timedelta(days=1))
    with pytest.raises(NothingLeft):
        allowance_use(membership=membership, code="wash", at=T0 + timedelta(days=2))
    pay(vip, member, "box", "199000", at=T0 + timedelta(days=10))
    next_month = T0 + timedelta(days=20)
    [wash] = allowances_of(membership, next_month)
    assert (wash.used, wash.left) == (0, 4), "a new month starts at 4 again, unused ones are gone"


def test_a_refund_ends_the_allowance(vip):
    from memberships.services.lifecycle import membership_cancel

    member = customer(vip)
    membership = pay(vip, member, "box", "199000", at=T0).membership
    membership_cancel(membership=membership, at_once=True, refund=True, at=T0 + timedelta(days=1))
    membership.refresh_from_db()
    assert allowances_of(membership, T0 + timedelta(days=2)) == []


def test_the_counter_sells_a_pack_and_uses_it_and_the_card_shows_what_is_left(vip):
    from tests.member_site.conftest import signed_in

    member = customer(vip)
    member.email = "pack@example.com"
    member.save(update_fields=["email"])
    cashier = Client()
    cashier.force_login(StaffFactory(shop=vip, role="cashier").user)
    key = uuid.uuid4().hex
    cashier.post(reverse("memberships:counter_pack_sell", kwargs={"member_id": member.pk}),
                 {"pack": "wash-10", "method": "cash", "idempotency_key": key})  # fmt: skip
    bought = PackPurchase.objects.get()
    cashier.post(reverse("memberships:counter_pack_use", kwargs={"pack_purchase_id": bought.pk}),
                 {"idempotency_key": uuid.uuid4().hex})  # fmt: skip
    panel = cashier.get(reverse("counter:member", kwargs={"member_id": member.pk})).content.decode()
    assert "10 washes for the price of 8: 9 of 10 left" in panel
    card = signed_in(member_of(vip, member)).get(reverse("member:shop", kwargs={"slug": vip.slug})).content.decode()
    assert "9 of 10 left" in card


def test_a_refund_gives_back_the_unused_uses_share_and_closes_the_pack(vip):
    from loyalty.models import Message
    from loyalty.services.invariants import ledger_violations
    from memberships.services.packs import pack_refund

    member = customer(vip, points=1000)
    member.email = "packs@example.com"
    member.save(update_fields=["email"])
    bought = pack_buy(member=member, pack_code="wash-10", amount_paid=Decimal("399001"), points=999, at=T0)
    assert Message.objects.filter(event="pack_receipt", member=member).count() == 1
    for _ in range(3):
        pack_use(purchase=bought, at=T0)
    done = pack_refund(purchase=bought, at=T0 + timedelta(days=1))
    assert done.refunded_amount == Decimal("279301") and done.refunded_points == 699, "7 of 10 uses unused"
    assert done.remaining == 0
    with pytest.raises(NothingLeft):
        pack_refund(purchase=done, at=T0 + timedelta(days=2))
    member.account.refresh_from_db()
    assert member.account.points_balance == 1 + 699 and ledger_violations([member.account_id]) == []


def test_only_a_manager_refunds_a_pack_at_the_counter(vip):
    member = customer(vip)
    bought = pack_buy(member=member, pack_code="wash-10", amount_paid=Decimal("400000"), at=T0)
    url = reverse("memberships:counter_pack_refund", kwargs={"pack_purchase_id": bought.pk})
    for role in ("cashier", "manager"):
        client = Client()
        client.force_login(StaffFactory(shop=vip, role=role).user)
        client.post(url, {"idempotency_key": uuid.uuid4().hex})
        bought.refresh_from_db()
        assert (bought.refunded_at is not None) == (role == "manager")
