import os

import pytest
from django.core.cache import cache
from django.db import connection

from tests.factories import ProgramFactory, StaffFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL (DATABASE_URL); on SQLite they are skipped, saying so."""
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit buckets live in the cache; ids repeat between tests, so each test starts with none."""
    cache.clear()


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def shop(program):
    return program.shop


@pytest.fixture
def other_shop(db):
    return ProgramFactory().shop


@pytest.fixture
def owner(shop):
    return StaffFactory(shop=shop, role="owner").user


@pytest.fixture
def cashier(shop):
    return StaffFactory(shop=shop, role="cashier").user


@pytest.fixture
def manager(shop):
    return StaffFactory(shop=shop, role="manager").user
