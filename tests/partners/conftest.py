"""Shops with a partner program, set up through their configuration file, and the moves of their customers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.services.config import config_import
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from partners.models import Partner
from tests.factories import enrol
from tests.loyalty.documents import document, merchant, program

T0 = datetime(2031, 5, 14, 3, 0, tzinfo=UTC)  # a Wednesday, mid-month in New York and in Hanoi


def plan(code: str = "aff-30", **overrides) -> dict:
    made = {"code": code, "kind": "recurring", "percent": "30", "months": None, "hold_days": 37, "min_payout": "0"}
    made.update(overrides)
    return made


def partner(code: str = "KAJ30", plan_code: str = "aff-30", **overrides) -> dict:
    made = {"code": code, "name": "Course Creators Co", "plan": plan_code, "email": "partner@example.com"}
    made.update(overrides)
    return made


def usd_document(slug: str = "courses", *, plans=None, partners=None, **section) -> dict:
    made = document(slug, program("1.00", point_value="0.01"))
    made["merchant"] = merchant(slug, country="US", currency="USD", timezone="America/New_York")
    made["partners"] = {"plans": plans or [plan()], "partners": partners or [partner()], **section}
    return made


def vnd_document(slug: str = "pho", *, plans=None, partners=None, **section) -> dict:
    made = document(slug, program("10000"))
    made["partners"] = {
        "plans": plans or [plan("ban", percent="10", hold_days=14, min_payout="50000")],
        "partners": partners or [partner("BLOG-ANH", "ban", name="Anh ăn gì", email="anh@example.com")],
        **section,
    }
    return made


@pytest.fixture
def courses(db):
    """A shop in USD with a 30% recurring-for-life plan held 37 days and one partner on it (example 7)."""
    return config_import(usd_document())


@pytest.fixture
def pho(db):
    """A Vietnamese shop in VND: 10% held 14 days, payouts from 50,000, the partner BLOG-ANH."""
    return config_import(vnd_document())


def partner_of(shop, code: str = "KAJ30") -> Partner:
    return Partner.objects.select_related("plan", "shop").get(shop=shop, code=code)


def customer(shop, *, partner_code: str = "KAJ30", at: datetime = T0, **fields):
    return enrol(shop, partner_code=partner_code, channel="till", at=at, **fields)


def buy(shop, member, amount: str, *, at: datetime = T0, now: datetime | None = None, partner_code: str = "", **kw):
    return purchase_record(
        shop=shop,
        external_id=f"R-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at,
        partner_code=partner_code,
        now=now or at,
        **kw,
    ).purchase


def refund(shop, purchase, amount: str, *, at: datetime | None = None):
    return purchase_refund(
        shop=shop,
        purchase_id=purchase.pk,
        amount=Decimal(amount),
        external_id=f"RF-{uuid.uuid4().hex[:10]}",
        now=at or purchase.occurred_at + timedelta(days=1),
    )
