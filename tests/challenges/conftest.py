"""A café in Ho Chi Minh City (VND, UTC+7) running the fun, set up through its configuration file, and the moves
of its customers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.services.config import config_import
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from loyalty.services.rules import Line
from tests.factories import enrol
from tests.loyalty.documents import document, program, reward

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = datetime(2031, 3, 1, tzinfo=HCM)  # the challenges' window opens at local midnight
APRIL = datetime(2031, 4, 1, tzinfo=HCM)
MID_MARCH = datetime(2031, 3, 14, 10, 0, tzinfo=HCM)
NOW = datetime(2031, 4, 20, 3, 0, tzinfo=UTC)


def challenge(code: str = "march-regular", kind: str = "visits", target=5, **overrides) -> dict:
    made = {
        "code": code,
        "name": f"{code.replace('-', ' ').title()}",
        "goal": {"kind": kind, "target": target, "categories": []},
        "starts": "2031-03-01",
        "ends": "2031-04-01",
        "points": 20,
        "reward": None,
        "badge": "Regular",
        "tiers": [],
    }
    made.update(overrides)
    return made


def fun_document(slug: str = "cafe", *, challenges=None, **sections) -> dict:
    made = document(
        slug,
        program("10000"),
        rewards=[
            reward("free-coffee", "free_item", 0, "45000"),
            reward("pastry", "free_item", 0, "30000"),
            reward("plant-a-tree", "donation", 10, "50000"),
        ],
    )
    made["challenges"] = [challenge()] if challenges is None else challenges
    made.update(sections)
    return made


@pytest.fixture
def cafe(db):
    return config_import(fun_document())


def customer(shop, name: str = "Nguyễn Thu Linh", **fields):
    return enrol(shop, name=name, channel="till", at=MARCH - timedelta(days=10), **fields)


def buy(shop, member, amount: str = "50000", *, at: datetime = MID_MARCH, lines=None, external_id=None, **kw):
    return purchase_record(
        shop=shop,
        external_id=external_id or f"R-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        lines=lines,
        occurred_at=at,
        now=kw.pop("now", NOW),
        **kw,
    ).purchase


def line(sku: str, category: str, amount: str) -> Line:
    return Line(sku=sku, category=category, amount=Decimal(amount))


def refund(shop, purchase, amount: str | None = None):
    purchase.refresh_from_db()
    return purchase_refund(
        shop=shop,
        purchase_id=purchase.pk,
        amount=Decimal(amount) if amount is not None else purchase.amount - purchase.refunded_amount,
        external_id=f"RF-{uuid.uuid4().hex[:10]}",
        now=NOW,
    )
