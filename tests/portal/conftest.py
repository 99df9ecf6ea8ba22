import pytest
from django.test import Client

from tests.factories import LocationFactory, StaffFactory


@pytest.fixture
def as_user(db):
    """A client signed in as the given person."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def owner_client(as_user, owner):
    return as_user(owner)


@pytest.fixture
def location(shop):
    return LocationFactory(shop=shop, name="Old Quarter", code="old-quarter")


@pytest.fixture
def other_owner(other_shop):
    return StaffFactory(shop=other_shop, role="owner").user


@pytest.fixture
def cafe(db):
    """A shop set up through its configuration file: tiers, a campaign, a category rule, a stamp card, rewards."""
    from loyalty.services.config import config_import
    from tests.loyalty.documents import document, program, reward

    return config_import(
        document(
            "portal-cafe",
            program(
                "40000",
                points_name="stars",
                points_name_one="star",
                category_multipliers=[{"category": "beans", "multiplier": "3"}],
                campaigns=[
                    {
                        "code": "double-tue",
                        "name": "Double Tuesday",
                        "multiplier": "2",
                        "weekdays": [2],
                        "categories": [],
                        "tiers": [],
                        "locations": [],
                        "payment_methods": [],
                    }
                ],
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
            rewards=[reward("free-coffee", "free_item", 10, "45000")],
        )
    )


@pytest.fixture
def cafe_staff(cafe):
    """The café's owner, manager and cashier, by role."""
    return {role: StaffFactory(shop=cafe, role=role).user for role in ("owner", "manager", "cashier")}
