"""A café with tiers by amount spent, a stamp card and rewards; its members signed in on their phones."""

from decimal import Decimal

import pytest
from django.test import Client

from loyalty.member_site.access import member_user
from loyalty.notifications import gateways
from loyalty.services.config import config_import
from tests.factories import enrol
from tests.loyalty.documents import document, program, reward

GOLD = Decimal("500000")


def cafe_document(slug: str = "cafe", **merchant) -> dict:
    made = document(
        slug,
        program(
            "40000",
            tiers={
                "basis": "amount_spent",
                "window": "lifetime",
                "downgrade_grace_days": 0,
                "levels": [
                    {"code": "green", "name": "Green", "threshold": "0", "multiplier": "1", "discount_percent": "0"},
                    {
                        "code": "gold",
                        "name": "Gold",
                        "threshold": str(GOLD),
                        "multiplier": "1",
                        "discount_percent": "5",
                    },
                ],
            },
            stamp_cards=[
                {
                    "code": "coffee",
                    "name": "Coffee card",
                    "stamps_required": 6,
                    "per": "visit",
                    "categories": [],
                    "min_spend": "0",
                    "cooldown_minutes": 0,
                    "reward": "free-coffee",
                }
            ],
        ),
        rewards=[
            reward("free-coffee", "free_item", 10, "45000", name="Free coffee"),
            reward("cake", "free_item", 500, "60000", name="Cake"),
        ],
    )
    made["merchant"].update(merchant)
    return made


@pytest.fixture(autouse=True)
def empty_text_outbox():
    gateways.outbox.clear()
    yield
    gateways.outbox.clear()


@pytest.fixture
def cafe(db):
    return config_import(cafe_document())


@pytest.fixture
def lan(cafe):
    return enrol(cafe, name="Lan", email="lan@example.com")


def signed_in(member) -> Client:
    """A phone signed in as the member's user (as the welcome link or a code leaves it)."""
    client = Client()
    client.force_login(member_user(member))
    return client


@pytest.fixture
def phone(lan):
    return signed_in(lan)
