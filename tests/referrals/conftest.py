"""Shops with a referral program, set up through their configuration file, and the moves of referrers and
their friends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.services.config import config_import
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from referrals.models import Referral
from referrals.services.approval import referrals_approve
from tests.factories import enrol
from tests.loyalty.documents import document, program, reward

T0 = datetime(2031, 5, 14, 3, 0, tzinfo=UTC)  # a Wednesday
LADDER = [(5, "shave-cream"), (10, "razor"), (25, "premium-razor"), (50, "year-of-shaves")]


def rewards() -> list[dict]:
    return [
        reward("welcome-10", "percent_off", 0, "10", max_discount="50000"),
        reward("shave-cream", "gift", 0, "90000"),
        reward("razor", "gift", 0, "250000"),
        reward("premium-razor", "gift", 0, "900000"),
        reward("year-of-shaves", "free_item", 0, "1200000"),
    ]


def referral_document(slug: str = "razors", **section) -> dict:
    """Worked example 5: 10% off for the friend, the ladder 5/10/25/50, approval 14 days after the first purchase."""
    made = document(slug, program("40000"), rewards=rewards())
    made["referral"] = {
        "enabled": True,
        "referee_reward": "welcome-10",
        "referrer_points": 0,
        "review_days": 14,
        "max_per_week": 100,
        "milestones": [{"count": n, "reward": code} for n, code in LADDER],
        **section,
    }
    return made


@pytest.fixture
def razors(db):
    return config_import(referral_document())


def referrer_of(shop, **fields):
    return enrol(shop, channel="till", at=T0 - timedelta(days=30), **fields)


def friend(shop, referrer, *, at: datetime = T0, channel: str = "till", **fields):
    return enrol(shop, referral_code=referrer.referral_code, channel=channel, at=at, **fields)


def buy(shop, member, amount: str = "100000", *, at: datetime = T0, now: datetime | None = None):
    return purchase_record(
        shop=shop,
        external_id=f"R-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at,
        now=now or at,
    ).purchase


def refund(shop, purchase, amount: str, *, at: datetime | None = None):
    return purchase_refund(
        shop=shop,
        purchase_id=purchase.pk,
        amount=Decimal(amount),
        external_id=f"RF-{uuid.uuid4().hex[:10]}",
        now=at or purchase.occurred_at + timedelta(days=1),
    )


def referral_of(member) -> Referral:
    return Referral.objects.get(referee=member)


def approve(as_of: datetime) -> int:
    return referrals_approve(as_of=as_of)
