"""Shops with membership plans, set up through their configuration file, and a member's moves."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.models import Member, Shop
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor, points_adjust
from memberships.services.lifecycle import membership_purchase
from tests.factories import enrol
from tests.loyalty.documents import document, program, reward

T0 = datetime(2031, 5, 14, 3, 0, tzinfo=UTC)  # a Wednesday, mid-month in Hanoi


def vip_plan(**overrides) -> dict:
    """Worked example 6: yearly, 88 with at least 1,000 available points, else 888; 5% off and free delivery."""
    made = {
        "code": "88vip",
        "name": "88VIP",
        "period": "year",
        "prices": [{"min_points": 1000, "price": "88"}, {"price": "888"}],
        "trial_days": 0,
        "grace_days": 7,
        "benefits": {"discount_percent": "5", "points_multiplier": "1", "free_delivery": True, "monthly_rewards": []},
    }
    made.update(overrides)
    return made


def box_plan(**overrides) -> dict:
    """A monthly box: 199,000 a month, a free drink voucher each month, double points, a 7-day trial."""
    made = {
        "code": "box",
        "name": "Monthly box",
        "period": "month",
        "prices": [{"price": "199000"}],
        "trial_days": 7,
        "grace_days": 3,
        "benefits": {
            "discount_percent": "10",
            "points_multiplier": "2",
            "free_delivery": False,
            "monthly_rewards": ["free-drink"],
            "member_rewards": ["vip-cake"],
            "allowances": [{"code": "wash", "name": "Car wash", "per_month": 4}],
        },
    }
    made.update(overrides)
    return made


WASH_PACK = {
    "code": "wash-10",
    "name": "10 washes for the price of 8",
    "uses": 10,
    "price": "400000",
    "valid_days": 180,
}


def vip_document(slug: str = "vip", *, plans=None, tz: str = "Asia/Ho_Chi_Minh", **program_overrides) -> dict:
    made = document(
        slug,
        program("10000", point_value="1", **program_overrides),
        rewards=[
            reward("free-drink", "free_item", 0, "45000"),
            reward("vip-cake", "free_item", 10, "60000"),
            reward("cookie", "free_item", 10, "20000"),
        ],
        memberships=plans if plans is not None else [vip_plan(), box_plan()],
        packs=[WASH_PACK],
    )
    made["merchant"]["timezone"] = tz
    return made


@pytest.fixture
def vip(db) -> Shop:
    return config_import(vip_document())


def fresh(shop: Shop) -> Shop:
    """The shop read again (its program's updated_at too: the plans' cache sees a change of plans)."""
    return Shop.objects.select_related("program").get(pk=shop.pk)


def member_of(shop: Shop, member: Member) -> Member:
    return Member.objects.select_related("account__tier", "shop__program").get(pk=member.pk)


def customer(shop: Shop, *, points: int = 0, at: datetime = T0) -> Member:
    member = enrol(shop, at=at)
    if points:
        points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=points, reason="test", at=at)
    return member_of(shop, member)


def pay(shop, member, plan: str = "88vip", amount: str = "888", *, at: datetime = T0, points: int = 0, **kw):
    kw.setdefault("reference", f"PAY-{uuid.uuid4().hex[:8]}")
    return membership_purchase(
        member=member_of(shop, member), plan_code=plan, amount_paid=Decimal(amount), points=points, at=at, **kw
    )
