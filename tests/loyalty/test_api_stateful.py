"""Schemathesis in stateful mode: sequences of till API calls that follow the OpenAPI document's links
(loyalty/api/links.py) — a member enrolled is shown, buys, redeems; a purchase is refunded; a voucher redeemed is
used or cancelled — so generated requests reach real members, purchases and vouchers. Every answer must not be a
server error and must match the document: its status code is declared, its content type and its body conform to
the response's schema.

Derandomised and bounded here (a fixed seed, FUZZ_EXAMPLES scenarios, default 20); `make fuzz` runs it with a larger
random budget. It fails when an operation answers 500 (e.g. an unguarded `Decimal(body.amount)` on a refund), or an
answer leaves its schema (e.g. PurchaseOut's `member` returned as a number, or a 404 answered as HTML), or when the
walk never gets past validation to a purchase and then a refund or a voucher. Note: schemathesis 4 also infers
links from the response schemas and path parameters, so with the document's links taken out the walk still reaches
refunds (checked: it passes); the document's links are for every client, this test checks the walk reaches."""

from __future__ import annotations

import json
import random
import uuid
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loyalty.services.api_keys import api_key_create
from loyalty.wsgi import application
from rewards.services import reward_save
from tests.factories import ProgramFactory, enrol
from tests.fuzzing import RANDOM, budget

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
WALKED = {"/api/v1/members", "/api/v1/members/{member_id}", "/api/v1/members/{member_id}/ledger",
          "/api/v1/members/{member_id}/adjustments", "/api/v1/purchases", "/api/v1/quotes",
          "/api/v1/purchases/{purchase_id}/refunds", "/api/v1/rewards", "/api/v1/redemptions",
          "/api/v1/vouchers/{code}/use", "/api/v1/vouchers/{code}/cancel", "/api/v1/vouchers/{code}",
          "/api/v1/events"}  # fmt: skip


class TillWorkflow(schema.include(path_regex="|".join(f"^{p}$" for p in WALKED)).as_state_machine()):
    """A manager's till. Enrolments get a valid phone and purchases a consistent amount half the time, so the
    walk goes past validation to the objects the links lead to; the other half stay as generated (hostile). Each
    scenario runs in a savepoint rolled back at its end, and what is mended is drawn from the generated body
    itself, so a scenario replayed by Hypothesis meets the same database and sends the same requests."""

    bearer = ""
    seen: set = set()

    def setup(self) -> None:
        self.savepoint = transaction.savepoint()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    def before_call(self, case) -> None:
        body = case.body if isinstance(case.body, dict) else None
        if body is None:
            return
        draw = random.Random(zlib.crc32(json.dumps(body, sort_keys=True, default=str).encode()))
        if draw.random() < 0.5:
            return
        if case.path == "/api/v1/members":
            body["phone"] = f"+8490{draw.randrange(10**7):07d}"
            body.pop("card_number", None)
            body.pop("referral_code", None)
            body.pop("partner_code", None)
            body.pop("location", None)
        elif case.path in ("/api/v1/purchases", "/api/v1/quotes"):
            body.update(amount=str(draw.randrange(1, 500) * 1000), items=[], voucher_codes=[])
            for key in ("points_redeemed", "wallet_redeemed", "occurred_at", "location", "partner_code"):
                body.pop(key, None)
        elif case.path == "/api/v1/redemptions":
            body["reward"] = "free-coffee"
        elif case.path.endswith("/refunds"):
            body["amount"] = "1000"  # the mended purchases are of at least 1000

    def get_call_kwargs(self, case) -> dict:
        headers = {"Authorization": f"Bearer {self.bearer}"}
        if case.method == "POST":
            headers["Idempotency-Key"] = "stateful-" + uuid.uuid4().hex
        return {"headers": headers}

    def after_call(self, response, case) -> None:
        if response.status_code < 300:
            type(self).seen.add((case.method, case.path))

    def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    """As Django's test client does: the WSGI handler would otherwise close the test's connection after each
    request, inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def till(db):
    program = ProgramFactory()
    reward_save(shop=program.shop, code="free-coffee", name="Coffee", kind="free_item", points=0, voucher_valid_days=14)
    enrol(program.shop)
    TillWorkflow.bearer = api_key_create(shop=program.shop, role="manager")[1]
    TillWorkflow.seen = set()
    return TillWorkflow


def test_the_links_reach_real_objects(till):
    """The walk answers no 500 and nothing outside the document, and goes past validation: a purchase, a refund
    and a voucher used or shown were reached through the links (without them the ids are random: 404)."""
    till.run(settings=budget(40, stateful_step_count=8))
    reached = {path for _method, path in till.seen}
    if RANDOM:  # `make fuzz` hunts for 500s and schema violations; how far a random seed walks varies
        return
    assert {"/api/v1/members", "/api/v1/purchases"} <= reached, reached
    assert reached & {"/api/v1/purchases/{purchase_id}/refunds", "/api/v1/vouchers/{code}/use",
                      "/api/v1/vouchers/{code}", "/api/v1/vouchers/{code}/cancel"}, reached  # fmt: skip


def test_the_document_links_a_purchase_to_its_refund_and_a_redemption_to_its_voucher(db):
    """Fails if the document lost its links (add_links not applied in loyalty/api/__init__.py) or a link names an
    operation the document does not have."""
    from tests.till import TillClient

    document = TillClient().get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    purchase = document["paths"]["/api/v1/purchases"]["post"]["responses"]["201"]["links"]
    assert purchase["Refund"] == {
        "operationId": "loyalty_api_purchases_refund",
        "parameters": {"path.purchase_id": "$response.body#/id"},
    }
    redemption = document["paths"]["/api/v1/redemptions"]["post"]["responses"]["201"]["links"]
    assert redemption["UseVoucher"]["parameters"] == {"path.code": "$response.body#/voucher/code"}
    linked = {
        link["operationId"]
        for path in document["paths"].values()
        for op in path.values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    }
    assert linked and linked <= operations
