"""Memberships under real concurrency on PostgreSQL: payments for one member at the same moment (one membership, one
charge per reference; different charges chain their periods), and a points purchase of a plan racing a spend of the
same points. Every loser gets a clean domain error, never a database error, and the ledger stays whole."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.models import Account, Member
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor, points_adjust
from memberships.models import Membership, Payment
from memberships.services.lifecycle import membership_purchase
from memberships.services.periods import add_period
from rewards.services import reward_redeem
from tests.factories import enrol
from tests.loyalty.documents import reward
from tests.threads import race

from .conftest import T0, vip_document

pytestmark = pytest.mark.postgres


def tally(results: list) -> Counter:
    return Counter("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)


@pytest.fixture
def shop(transactional_db):
    document = vip_document("races")
    document["rewards"].append(reward("big-gift", "gift", 950, "500000"))
    return config_import(document)


def loaded(member_id: int) -> Member:
    return Member.objects.select_related("account__tier", "shop__program").get(pk=member_id)


def test_payments_with_one_reference_at_once_make_one_membership_and_one_charge(shop):
    member = enrol(shop, at=T0)

    def act(i, own):
        return membership_purchase(member=own, plan_code="88vip", amount_paid=Decimal("888"), reference="BANK-1", at=T0)

    results = race(8, act, prepare=lambda i: loaded(member.pk))
    assert tally(results) == {"ok": 1, "DuplicatePayment": 7}, results
    assert Payment.objects.count() == 1 and Membership.objects.count() == 1


def test_different_charges_at_once_chain_their_periods_with_no_day_lost(shop):
    member = enrol(shop, at=T0)

    def act(i, own):
        return membership_purchase(member=own, plan_code="88vip", amount_paid=Decimal("888"), reference=f"B-{i}", at=T0)

    results = race(6, act, prepare=lambda i: loaded(member.pk))
    assert tally(results) == {"ok": 6}, results
    membership = Membership.objects.get()
    end = T0
    for _ in range(6):
        end = add_period(end, "year", shop.tz)
    assert membership.ends_at == end
    periods = sorted(Payment.objects.values_list("period_start", "period_end"))
    assert all(a[1] == b[0] for a, b in zip(periods, periods[1:], strict=False)), "each year starts where one ended"


def test_a_points_purchase_of_the_plan_racing_a_spend_of_the_same_points(shop):
    """1,000 points: the plan costs 88 (paid with 88 points) while the member has 1,000; a 950-point gift at the same
    moment. Whichever goes first, the other is refused: the gift leaves 50 points (then the plan costs 888, not 88),
    the plan leaves 912 (too few for the gift)."""
    for round_ in range(4):
        member = enrol(shop, at=T0)
        points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=1000, reason="race", at=T0)

        def act(i, own, round_=round_):
            at = T0 + timedelta(minutes=1)
            if i == 0:
                return membership_purchase(
                    member=own, plan_code="88vip", amount_paid=Decimal("0"), points=88, reference=f"P-{round_}", at=at
                )
            return reward_redeem(member=own, reward_code="big-gift", actor=Actor(shop=shop), at=at)

        results = race(2, act, prepare=lambda i, m=member: loaded(m.pk))
        outcome = tally(results)
        assert outcome["ok"] == 1 and sum(outcome.values()) == 2, results
        assert set(outcome) - {"ok"} <= {"PriceChanged", "InsufficientPoints"}, results
        balance = Account.objects.get(pk=member.account_id).points_balance
        assert balance in (912, 50)
        assert ledger_violations([member.account_id]) == []


def test_uses_of_a_pack_at_once_never_take_more_than_is_left(shop):
    from memberships.services.packs import pack_buy, pack_use

    bought = pack_buy(member=loaded(enrol(shop, at=T0).pk), pack_code="wash-10", amount_paid=Decimal("400000"), at=T0)
    for _ in range(8):
        pack_use(purchase=bought, at=T0)

    results = race(
        6, lambda i, own: pack_use(purchase=own, at=T0), prepare=lambda i: type(bought).objects.get(pk=bought.pk)
    )
    assert tally(results) == {"ok": 2, "NothingLeft": 4}, results
    bought.refresh_from_db()
    assert bought.used == 10 and bought.use_rows.count() == 10
