"""A café set up through its configuration file, its staff, and a client at its counter."""

from decimal import Decimal

import pytest
from django.test import Client

from loyalty.models import QuickItem
from loyalty.services.config import config_import
from tests.factories import StaffFactory
from tests.loyalty.documents import document, program, reward


@pytest.fixture
def cafe(db):
    """Points (1 per 40,000 ₫, a point worth 1,000 ₫, lots expire a year after earning), two tiers, a coffee stamp
    card of 5, and a catalogue: a free coffee, 10 % off, a donation and a limited gift."""
    return config_import(
        document(
            "counter-cafe",
            program(
                "40000",
                expiry={"policy": "days_after_earn", "days": 365},
                tiers={
                    "basis": "points_earned",
                    "window": "lifetime",
                    "levels": [
                        {"code": "green", "name": "Green", "threshold": 0, "multiplier": "1", "discount_percent": "0"},
                        {
                            "code": "gold",
                            "name": "Gold",
                            "threshold": 300,
                            "multiplier": "1.5",
                            "discount_percent": "5",
                        },
                    ],
                },
                stamp_cards=[
                    {
                        "code": "coffee",
                        "name": "Coffee card",
                        "stamps_required": 5,
                        "per": "item",
                        "categories": ["coffee"],
                        "reward": "free-coffee",
                    }
                ],
            ),
            rewards=[
                reward("free-coffee", "free_item", 10, "45000"),
                reward("ten-off", "percent_off", 20, "10", max_discount="50000"),
                reward("tree", "donation", 5, "20000", name="Plant a tree"),
                reward("mug", "gift", 30, "90000", stock=1, name="Mug"),
            ],
        )
    )


@pytest.fixture
def staff(cafe):
    """The café's owner, manager and cashier memberships, by role."""
    return {role: StaffFactory(shop=cafe, role=role) for role in ("owner", "manager", "cashier")}


@pytest.fixture
def as_user(db):
    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def counter(as_user, staff):
    """A cashier's tablet at the counter."""
    return as_user(staff["cashier"].user)


@pytest.fixture
def coffee(cafe):
    return QuickItem.objects.create(
        shop=cafe, label="Coffee", sku="coffee", category="coffee", amount=Decimal("40000"), position=1
    )
