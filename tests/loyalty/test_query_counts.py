"""The hot paths run an exact number of statements, whatever the member's history: a change that adds one fails
here, loudly. Counted inside the test's transaction, so the API's request transaction shows as a savepoint and
its release (BEGIN and COMMIT in production)."""

import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.services.api_keys import api_key_create
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem
from tests.factories import enrol
from tests.till import TillClient

from .documents import document, program, reward


@pytest.fixture
def shop(db):
    return config_import(
        document(
            "counted",
            program(
                "10000",
                campaigns=[{"code": "always", "name": "Always", "multiplier": "2"}],
                stamp_cards=[{"code": "visits", "name": "Visits", "stamps_required": 10}],
            ),
            rewards=[reward("coffee", "free_item", 5, "45000")],
        )
    )


@pytest.fixture
def till(shop):
    _, raw = api_key_create(shop=shop, role="cashier")
    return TillClient(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(till, path: str, body: dict):
    return till.post(
        path, data=json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def statements(action) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = action()
    assert response.status_code < 300, response.content
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def regular(shop):
    """A member with a long history: thirty purchases, and a redemption."""
    member = enrol(shop)
    for n in range(30):
        purchase_record(shop=shop, external_id=f"H-{n}", amount=Decimal("40000"), member=member)
    reward_redeem(member=member, reward_code="coffee", actor=Actor(shop=shop))
    return member


def purchase_body(member, receipt: str) -> dict:
    return {
        "external_id": receipt,
        "amount": "100000",
        "member": str(member.pk),
        "items": [{"sku": "latte", "amount": "60000"}, {"sku": "cake", "amount": "40000"}],
    }


def warm(till, member):
    """Loads the program's rules (and the apps' per-program caches: a coalition's) and stamps the key's last use,
    as a running till has."""
    assert post(till, "/api/v1/purchases", purchase_body(member, f"W-{uuid.uuid4().hex}")).status_code == 201
    assert till.get("/api/v1/members/lookup", {"q": member.phone}).status_code == 200


def purchase_statements() -> int:
    """The key (with shop, program, location); the member (with account and tier); the purchase with its lines;
    the account's one UPDATE with the lot; the stamp card's upsert with the stamp entry; the points summary; the
    stored response; and the request's transaction (a savepoint here). On PostgreSQL the writes that go together
    are one statement each (data-modifying WITH); SQLite has no such statements, so there they are three more."""
    return 9 if connection.vendor == "postgresql" else 12


def test_a_purchase_through_the_api(shop, till, regular):
    warm(till, regular)
    counted = statements(lambda: post(till, "/api/v1/purchases", purchase_body(regular, "Q-1")))
    assert len(counted) == purchase_statements(), "\n".join(counted)
    newcomer = enrol(shop)
    warm(till, newcomer)
    counted = statements(lambda: post(till, "/api/v1/purchases", purchase_body(newcomer, "Q-2")))
    assert len(counted) == purchase_statements(), "\n".join(counted)


def test_a_quote(till, regular):
    warm(till, regular)
    body = {"amount": "100000", "member": str(regular.pk)}
    counted = statements(lambda: post(till, "/api/v1/quotes", body))
    assert len(counted) == 6, "\n".join(counted)


def test_a_lookup_and_showing_a_member(till, regular):
    warm(till, regular)
    lookup = statements(lambda: till.get("/api/v1/members/lookup", {"q": regular.phone}))
    shown = statements(lambda: till.get(f"/api/v1/members/{regular.pk}"))
    assert len(lookup) == 6, "\n".join(lookup)  # the key, the member, its cards, points, stamps, vouchers
    assert len(shown) == 6, "\n".join(shown)


def test_a_redemption(till, regular):
    warm(till, regular)
    counted = statements(lambda: post(till, "/api/v1/redemptions", {"member": str(regular.pk), "reward": "coffee"}))
    assert len(counted) == 14, "\n".join(counted)


def test_using_a_voucher(shop, till, regular):
    warm(till, regular)
    voucher = reward_redeem(member=regular, reward_code="coffee", actor=Actor(shop=shop))
    counted = statements(lambda: post(till, f"/api/v1/vouchers/{voucher.code}/use", {}))
    assert len(counted) == 6, "\n".join(counted)
