"""What a membership gives: the member discount (the larger of the tier's and the plan's), the points multiplier
in the purchase, monthly vouchers once a month, and rewards only members may redeem."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from loyalty.selectors import member_discount_percent
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor
from loyalty.services.purchases import purchase_record
from memberships.models import MonthlyGrant
from memberships.services.grants import membership_rewards
from memberships.services.lifecycle import membership_cancel
from rewards.errors import NotEligible
from rewards.models import Voucher, VoucherStatus
from rewards.services import reward_redeem

from .conftest import T0, customer, fresh, member_of, pay, vip_document

pytestmark = pytest.mark.django_db


def test_a_members_purchase_earns_at_the_plans_multiplier(vip):
    member = customer(vip)
    pay(vip, member, "box", "199000")
    shop = fresh(vip)
    result = purchase_record(
        shop=shop, external_id="R-1", amount=Decimal("100000"), member=member_of(shop, member), occurred_at=T0, now=T0
    )
    assert result.explanation.points == 20, "10 points per 100,000 doubled by the monthly box"


def test_a_non_member_earns_the_base_rate(vip):
    shop = fresh(vip)
    member = customer(shop)
    result = purchase_record(
        shop=shop, external_id="R-2", amount=Decimal("100000"), member=member_of(shop, member), occurred_at=T0, now=T0
    )
    assert result.explanation.points == 10


def test_the_member_discount_is_the_larger_of_the_tiers_and_the_plans(db):
    tiers = {
        "basis": "points_earned",
        "window": "lifetime",
        "levels": [
            {"code": "base", "name": "Base", "threshold": 0, "multiplier": "1", "discount_percent": "0"},
            {"code": "gold", "name": "Gold", "threshold": 10, "multiplier": "1", "discount_percent": "8"},
        ],
    }
    shop = config_import(vip_document("tiered", tiers=tiers))
    member = customer(shop)
    pay(shop, member)
    assert member_discount_percent(member_of(shop, member), T0) == Decimal("5")
    purchase_record(shop=fresh(shop), external_id="R-3", amount=Decimal("200000"), member=member_of(shop, member),
                    occurred_at=T0, now=T0)  # fmt: skip
    assert member_of(shop, member).account.tier.code == "gold"
    assert member_discount_percent(member_of(shop, member), T0) == Decimal("8"), "gold's 8% beats the plan's 5%"


def test_monthly_vouchers_are_given_once_a_month_even_when_the_job_runs_twice(vip):
    member = customer(vip)
    pay(vip, member, "box", "199000")  # the first month's voucher at once
    assert Voucher.objects.filter(member=member, reward__code="free-drink").count() == 1
    assert membership_rewards(as_of=T0 + timedelta(days=3)) == 0, "this month's was given with the payment"
    pay(vip, member, "box", "199000", at=T0 + timedelta(days=10))  # renewed early in May: June is paid for too
    next_month = T0 + timedelta(days=20)  # 3 June
    assert membership_rewards(as_of=next_month) == 1
    assert membership_rewards(as_of=next_month) == 0
    assert membership_rewards(as_of=next_month + timedelta(hours=5)) == 0
    assert sorted(MonthlyGrant.objects.values_list("month", flat=True)) == ["2031-05", "2031-06"]


def test_a_refund_takes_back_the_unused_monthly_vouchers(vip):
    member = customer(vip)
    membership = pay(vip, member, "box", "199000").membership
    membership_cancel(
        membership=membership, at_once=True, refund=True, at=T0 + timedelta(days=1), actor=Actor(shop=vip)
    )
    assert list(Voucher.objects.filter(member=member).values_list("status", flat=True)) == [VoucherStatus.CANCELLED]


def test_a_members_only_reward_needs_the_plan(vip):
    member = customer(vip, points=100)
    with pytest.raises(NotEligible):
        reward_redeem(member=member_of(fresh(vip), member), reward_code="vip-cake", actor=Actor(shop=vip), at=T0)
    pay(vip, member, "box", "199000")
    voucher = reward_redeem(member=member_of(fresh(vip), member), reward_code="vip-cake", actor=Actor(shop=vip), at=T0)
    assert voucher.reward.code == "vip-cake"
    reward_redeem(member=member_of(fresh(vip), member), reward_code="cookie", actor=Actor(shop=vip), at=T0)


def test_a_shop_without_plans_pays_no_query_for_benefits(db, django_assert_num_queries):
    from loyalty.hooks import benefits_for, member_fields

    shop = config_import(vip_document("plain", plans=[]))
    member = member_of(shop, customer(shop))
    benefits_for(member, T0)  # the plans' summary (and the apps' fields) read once per process and program change
    member_fields(member, T0)
    with django_assert_num_queries(0):
        assert benefits_for(member, T0) == []
        assert member_fields(member, T0)["membership"] is None


def test_a_member_pays_one_query_for_discount_badge_and_field(vip, django_assert_num_queries):
    from loyalty.hooks import benefits_for, member_fields

    member = customer(vip)
    pay(vip, member)
    member = member_of(fresh(vip), member)
    warm = member.__class__.objects.select_related("shop__program", "account").get(pk=member.pk)
    benefits_for(warm, T0)
    member_fields(warm, T0)
    with django_assert_num_queries(1):
        assert benefits_for(member, T0)[0].discount_percent == Decimal("5")
        assert member_fields(member, T0)["membership"]["plan"] == "88vip"


def test_the_savings_meter_counts_discounts_extra_points_and_vouchers_used(vip):
    from memberships.selectors import plan_savings, savings_of
    from rewards.services import voucher_use

    member = customer(vip)
    membership = pay(vip, member, "box", "199000").membership  # 10% off, ×2 points, a free drink (45,000) a month
    shop = fresh(vip)
    purchase_record(shop=shop, external_id="R-S1", amount=Decimal("90000"), member=member_of(shop, member),
                    occurred_at=T0 + timedelta(hours=1), now=T0 + timedelta(hours=1))  # fmt: skip
    voucher = Voucher.objects.get(member=member)
    voucher_use(shop=shop, code=voucher.code, at=T0 + timedelta(hours=2))
    savings = savings_of(membership, T0 + timedelta(hours=3))
    assert savings.discounts == Decimal("10000"), "90,000 paid at 10% off: 100,000 before the discount"
    assert savings.extra_points == 9 and savings.extra_points_value == Decimal("9"), "18 earned, 9 of them extra"
    assert savings.vouchers_value == Decimal("45000") and savings.total == Decimal("55009")
    assert savings.price == Decimal("199000")
    plan = membership.plan
    assert plan_savings(plan, T0 + timedelta(hours=3)).total == Decimal("55009")
