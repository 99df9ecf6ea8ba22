"""Commissions under real concurrency on PostgreSQL: refunds racing a payout on one commission, payouts racing
each other, sales racing for a rate level. Every figure is exact whichever thread wins, and every loser gets a
clean domain error, never a database error."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from loyalty.models import Member, Shop
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from loyalty.services.refunds import purchase_refund
from partners.models import Commission, CommissionKind, Partner, Payout
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create
from tests.threads import race

from .conftest import T0, buy, customer, plan, usd_document

pytestmark = pytest.mark.postgres
D = Decimal
LATER = T0 + timedelta(days=1)


def tally(results: list) -> Counter:
    return Counter("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)


def fresh_partner(shop) -> Partner:
    return Partner.objects.select_related("plan", "shop").get(shop=shop, code="KAJ30")


@pytest.fixture
def shop(transactional_db):
    return config_import(usd_document("races", plans=[plan(hold_days=0)]))


def test_refunds_racing_a_payout_on_one_commission_leave_exact_figures(shop):
    """A 100.00 sale (30.00) and four refunds of 10.00 at the same moment as its payout: whatever the order,
    the partner ends up owed 30% of the 60.00 kept, to the cent, and the statement's lines sum to it."""
    sale = buy(shop, customer(shop), "100.00")
    commissions_approve(as_of=T0)

    def act(i, own):
        if i == 0:
            return payout_create(partner=fresh_partner(shop), at=LATER)
        return purchase_refund(shop=own, purchase_id=sale.pk, amount=D("10.00"), external_id=f"RF-{i}", now=LATER)

    results = race(5, act, prepare=lambda i: Shop.objects.get(pk=shop.pk))

    assert tally(results) == {"ok": 5}, results
    payout = Payout.objects.get()
    rows = Commission.objects.filter(purchase=sale)
    assert rows.aggregate(s=Sum("amount"))["s"] == D("18.00"), "30% of the 60.00 kept"
    assert payout.lines.aggregate(s=Sum("amount"))["s"] == payout.amount
    clawbacks = rows.filter(kind=CommissionKind.CLAWBACK)
    assert payout.amount == D("30.00") - 3 * (4 - clawbacks.count())  # refunds before it shrank the line
    assert all(c.amount == D("-3.00") for c in clawbacks), "each refund after the statement claws back 3.00"
    left = Commission.objects.unpaid_balance().aggregate(s=Sum("amount"))["s"] or 0
    assert payout.amount + left == D("18.00")
    assert ledger_violations() == []


def test_a_full_refund_racing_a_payout_never_pays_and_keeps_both(shop):
    sale = buy(shop, customer(shop), "49.00")
    commissions_approve(as_of=T0)

    def act(i, own):
        if i == 0:
            return payout_create(partner=fresh_partner(shop), at=LATER)
        return purchase_refund(shop=own, purchase_id=sale.pk, amount=D("49.00"), external_id="RF-all", now=LATER)

    results = race(2, act, prepare=lambda i: Shop.objects.get(pk=shop.pk))

    refund_ok = not isinstance(results[1], BaseException)
    assert refund_ok
    assert Commission.objects.filter(purchase=sale).aggregate(s=Sum("amount"))["s"] == 0
    if isinstance(results[0], BaseException):  # the refund came first: nothing was left to pay
        assert type(results[0]).__name__ == "BelowMinPayout" and not Payout.objects.exists(), repr(results[0])
    else:  # the statement came first: 14.70 on it, −14.70 for the next one
        assert results[0].amount == D("14.70")
        assert Commission.objects.unpaid_balance().get().amount == D("-14.70")


def test_payouts_racing_for_one_partner_make_one_statement(shop):
    member = customer(shop)
    for n in range(3):
        buy(shop, member, "10.00", at=T0 + timedelta(minutes=n))
    commissions_approve(as_of=LATER)

    results = race(6, lambda i, _: payout_create(partner=fresh_partner(shop), at=LATER))

    assert tally(results) == {"ok": 1, "BelowMinPayout": 5}
    assert Payout.objects.get().amount == D("9.00")
    assert Commission.objects.filter(payout__isnull=True).count() == 0


def test_payouts_of_several_partners_at_once_get_distinct_numbers(transactional_db):
    partners = [{"code": f"P{n}", "name": f"Partner {n}", "plan": "aff-30"} for n in range(4)]
    shop = config_import(usd_document("numbers", plans=[plan(hold_days=0)], partners=partners))
    for n in range(4):
        buy(shop, customer(shop, partner_code=f"P{n}"), "10.00")
    commissions_approve(as_of=LATER)

    results = race(
        4,
        lambda i, me: payout_create(partner=me, at=LATER),
        prepare=lambda i: Partner.objects.select_related("plan", "shop").get(shop=shop, code=f"P{i}"),
    )

    assert tally(results) == {"ok": 4}
    assert sorted(Payout.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_sales_racing_for_a_rate_level_are_counted_one_at_a_time(transactional_db):
    shop = config_import(usd_document("level-race", plans=[plan(percent="20", levels=[{"sales": 5, "percent": "30"}])]))
    members = [customer(shop) for _ in range(8)]

    results = race(
        8,
        lambda i, me: buy(me.shop, me, "10.00", at=T0 + timedelta(minutes=i)),
        prepare=lambda i: Member.objects.select_related("shop", "account").get(pk=members[i].pk),
    )

    assert tally(results) == {"ok": 8}
    rates = Counter(Commission.objects.values_list("percent", flat=True))
    assert rates == {D("20"): 4, D("30"): 4}, "the 5th to the 8th sale of the month, in whatever order they came"
