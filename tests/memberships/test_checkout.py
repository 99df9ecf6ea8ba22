"""Buying a plan on the member page: a checkout at the member's price, paid through the test backend or an HTTP
gateway (a real local server), confirmed by a signed webhook (once, whoever repeats it) or by a cashier who saw the
transfer; a price that changed meanwhile buys nothing at the wrong price."""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from loyalty.services.ledger import Actor, points_adjust
from memberships.models import Checkout, CheckoutStatus, Membership, Payment
from memberships.services.checkout import checkout_start, signed_notice, transfer_qr_payload, webhook_signature
from tests.factories import StaffFactory, enrol
from tests.member_site.conftest import signed_in

from .conftest import member_of

pytestmark = pytest.mark.django_db


def buy(phone, shop, plan="88vip"):
    return phone.post(reverse("memberships:buy", kwargs={"slug": shop.slug}),
                      {"plan": plan, "idempotency_key": uuid.uuid4().hex})  # fmt: skip


def webhook(body: bytes, signature: str, backend="test"):
    return Client().post(
        reverse("memberships:payment_webhook", kwargs={"backend": backend}),
        body,
        content_type="application/json",
        HTTP_X_REGULARS_SIGNATURE=signature,
    )


@override_settings(MEMBERSHIP_PAYMENT_BACKEND="test")
def test_a_member_buys_the_plan_on_their_page_with_the_test_backend(vip):
    member = enrol(vip, name="Lan", email="lan@example.com")
    phone = signed_in(member)
    response = buy(phone, vip)
    checkout = Checkout.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/checkout/{checkout.reference}/")
    assert checkout.amount == Decimal("888")
    page = phone.get(response.url).content.decode()
    assert checkout.reference in page and "data-test-pay" in page
    paid = phone.post(reverse("memberships:test_pay", kwargs={"slug": vip.slug, "reference": checkout.reference}))
    assert paid.status_code == 302
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID and checkout.payment.reference == checkout.reference
    assert Membership.objects.get(member=member).plan.code == "88vip"


@override_settings(MEMBERSHIP_PAYMENT_BACKEND="test")
def test_the_webhook_is_signed_and_confirms_once(vip):
    checkout = checkout_start(member=member_of(vip, enrol(vip)), plan_code="88vip")
    body, signature = signed_notice(checkout)
    assert webhook(body, "0" * 64).status_code == 403
    assert webhook(body + b" ", signature).status_code == 403, "a changed body breaks the signature"
    wrong = json.dumps({"reference": checkout.reference, "amount": "1"}).encode()
    assert webhook(wrong, webhook_signature(wrong)).status_code == 422, "not the checkout's amount"
    assert webhook(body, signature).json()["status"] == "paid"
    assert webhook(body, signature).json()["status"] == "paid"
    assert Payment.objects.count() == 1
    unknown = json.dumps({"reference": "VIPNOPE", "amount": "1"}).encode()
    assert webhook(unknown, webhook_signature(unknown)).status_code == 404
    garbage = b"not json"
    assert webhook(garbage, webhook_signature(garbage)).status_code == 422


@override_settings(MEMBERSHIP_PAYMENT_BACKEND="test")
def test_a_price_that_changed_before_the_payment_buys_nothing_at_the_old_price(vip):
    member = enrol(vip)
    points_adjust(account_id=member.account_id, actor=Actor(shop=vip), points=1000, reason="t", at=timezone.now())
    checkout = checkout_start(member=member_of(vip, member), plan_code="88vip")
    assert checkout.amount == Decimal("88")
    points_adjust(account_id=member.account_id, actor=Actor(shop=vip), points=-1, reason="t", at=timezone.now())
    body, signature = signed_notice(checkout)
    assert webhook(body, signature).json()["status"] == "price_changed"
    assert not Membership.objects.exists()


def test_without_a_backend_the_member_is_sent_to_the_counter(vip):
    member = enrol(vip, email="hoa@example.com")
    phone = signed_in(member)
    page = phone.get(reverse("member:shop", kwargs={"slug": vip.slug})).content.decode()
    assert "Join at the counter" in page and "data-buy-plan" not in page
    assert buy(phone, vip).status_code == 302 and not Checkout.objects.exists()


@override_settings(MEMBERSHIP_PAYMENT_BACKEND="test")
def test_a_cashier_confirms_a_transfer_that_carries_the_reference(vip):
    member = enrol(vip)
    checkout = checkout_start(member=member_of(vip, member), plan_code="88vip")
    cashier = Client()
    cashier.force_login(StaffFactory(shop=vip, role="cashier").user)
    panel = cashier.get(reverse("counter:member", kwargs={"member_id": member.pk})).content.decode()
    assert checkout.reference in panel and "Transfer received" in panel
    url = reverse("memberships:counter_confirm", kwargs={"checkout_id": checkout.pk})
    cashier.post(url, {"reference": "VCB 123", "idempotency_key": uuid.uuid4().hex})
    checkout.refresh_from_db()
    assert checkout.status == CheckoutStatus.PAID and checkout.payment.method == "bank_transfer"


def test_another_members_checkout_is_404(vip):
    with override_settings(MEMBERSHIP_PAYMENT_BACKEND="test"):
        checkout = checkout_start(member=member_of(vip, enrol(vip)), plan_code="88vip")
    stranger = signed_in(enrol(vip, email="x@example.com"))
    url = reverse("memberships:checkout", kwargs={"slug": vip.slug, "reference": checkout.reference})
    assert stranger.get(url).status_code == 404


class Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        Gateway.received.append(json.loads(self.rfile.read(length)))
        body = json.dumps({"id": "pay_123", "redirect_url": "https://gateway.example/pay/123"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received = []
    yield f"http://127.0.0.1:{server.server_port}/checkouts"
    server.shutdown()


def test_the_http_backend_sends_the_member_to_the_gateway_and_takes_its_webhook(vip, gateway):
    member = enrol(vip, email="minh@example.com")
    with override_settings(MEMBERSHIP_PAYMENT_BACKEND="http", MEMBERSHIP_PAYMENT_GATEWAY_URL=gateway):
        response = buy(signed_in(member), vip)
        assert response.status_code == 302 and response.url == "https://gateway.example/pay/123"
        checkout = Checkout.objects.get()
        sent = Gateway.received[0]
        assert sent["reference"] == checkout.reference and sent["amount"] == "888" and sent["currency"] == "VND"
        assert sent["webhook_url"].endswith("/memberships/webhooks/http/")
        body = json.dumps({"reference": checkout.reference, "amount": "888", "status": "paid", "id": "pay_123"})
        answer = webhook(body.encode(), webhook_signature(body.encode()), backend="http")
    assert answer.json()["status"] == "paid"
    checkout.refresh_from_db()
    assert checkout.external_id == "pay_123" and Membership.objects.get(member=member).plan.code == "88vip"


def test_an_unreachable_gateway_is_said_and_changes_nothing_but_the_checkout(vip):
    member = enrol(vip, email="an@example.com")
    with override_settings(MEMBERSHIP_PAYMENT_BACKEND="http", MEMBERSHIP_PAYMENT_GATEWAY_URL="http://127.0.0.1:9/x"):
        response = buy(signed_in(member), vip)
    assert response.status_code == 302 and "#membership" in response.url
    assert not Checkout.objects.exists() and not Payment.objects.exists()


def test_a_vietnamese_shop_with_an_account_shows_a_vietqr_transfer_the_cashier_confirms(db):
    from loyalty.services.config import config_import
    from loyalty.services.config_export import config_export
    from loyalty.vietqr import crc16_ccitt_false

    from .conftest import vip_document

    document = vip_document("vietqr-shop")
    document["membership_payments"] = {"bank_bin": "970436", "account_number": "0071 000 123456", "account_name": "X"}
    shop = config_import(document)
    assert config_export(shop)["membership_payments"]["account_number"] == "0071000123456"
    member = enrol(shop, email="qr@example.com")
    phone = signed_in(member)
    response = buy(phone, shop)
    checkout = Checkout.objects.get()
    assert checkout.backend == "vietqr"
    page = phone.get(response.url).content.decode()
    assert "data-transfer-qr" in page and "data-test-pay" not in page
    payload = transfer_qr_payload(checkout)
    assert "5403888" in payload and checkout.reference in payload and payload.startswith("000201010212")
    assert payload[-4:] == f"{crc16_ccitt_false(payload[:-4].encode()):04X}"
    cashier = Client()
    cashier.force_login(StaffFactory(shop=shop, role="cashier").user)
    cashier.post(reverse("memberships:counter_confirm", kwargs={"checkout_id": checkout.pk}),
                 {"reference": "VCB", "idempotency_key": uuid.uuid4().hex})  # fmt: skip
    assert Membership.objects.get(member=member).plan.code == "88vip"
