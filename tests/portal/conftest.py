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

