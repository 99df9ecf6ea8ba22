"""A small known shop for the report (hand-computed figures in test_report.py), and helpers to buy and refund."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.models import Shop
from loyalty.services.ledger import Actor
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.services import reward_save
from tests.factories import LocationFactory, ProgramFactory, enrol


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def buy(shop, member, amount: str, at: datetime, location=None, **kw):
    return purchase_record(
        shop=shop,
        external_id=f"R-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at,
        actor=Actor(shop=shop, location=location),
        now=at,
        **kw,
    ).purchase


def refund(shop, purchase, amount: str, at: datetime):
    return purchase_refund(
        shop=shop, purchase_id=purchase.pk, amount=Decimal(amount), external_id=f"RF-{uuid.uuid4().hex[:10]}", now=at
    )


@pytest.fixture
def saigon(db):
    """A café in Ho Chi Minh City (UTC+7), VND, 1 point per 40,000 ₫, a point worth 1,000 ₫, points expiring
    30 days after they are earned, two locations and a free coffee for 10 points (worth 40,000 ₫)."""
    program = ProgramFactory(expiry_policy="days_after_earn", expiry_days=30)
    shop = Shop.objects.select_related("program").get(pk=program.shop_id)
    shop.loc_a = LocationFactory(shop=shop, code="dong-khoi", name="Đồng Khởi")
    shop.loc_b = LocationFactory(shop=shop, code="thao-dien", name="Thảo Điền")
    reward_save(
        shop=shop,
        code="coffee",
        name="Free coffee",
        kind="free_item",
        points=10,
        value=Decimal("40000"),
        voucher_valid_days=30,
    )
    return shop


@pytest.fixture
def moment():
    return lambda days=0: utc(2031, 5, 15, 5, 0) + timedelta(days=days)


__all__ = ["buy", "enrol", "refund", "utc"]
