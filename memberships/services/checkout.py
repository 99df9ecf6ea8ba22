"""Buying a plan on the member page: a checkout holds the quote of the moment it starts and a reference; a payment
backend takes the money and confirms it with a webhook signed with HMAC-SHA256 (or a cashier confirms a bank
transfer that carries the reference). Confirming buys the membership through membership_purchase, so the price is
judged again at the moment of payment: a price that changed meanwhile leaves the checkout `price_changed` for the
shop to settle, never a membership at the wrong price. Confirming twice changes nothing.

Backends are named by the setting MEMBERSHIP_PAYMENT_BACKEND: "" (none: members buy at the counter), "test" (a
stand-in gateway on the site itself, for development and tests) or "http" (a gateway at
MEMBERSHIP_PAYMENT_GATEWAY_URL that answers {"id", "redirect_url"} and later posts the signed webhook)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import DomainError, NotFound, ValidationFailed
from loyalty.member_site.access import absolute_url
from loyalty.money import MoneyError, money_str, parse_money
from loyalty.services.ledger import Actor
from loyalty.services.transactions import atomic_service
from loyalty.vietqr import vietqr_payload

from ..errors import PriceChanged
from ..models import Checkout, CheckoutStatus, PaymentMethod, TransferAccount
from .lifecycle import membership_purchase
from .plans import membership_quote, plan_get

CHECKOUT_VALID = timedelta(minutes=30)
SIGNATURE_HEADER = "X-Regulars-Signature"
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes: people type it into a bank transfer


class PaymentsUnavailable(DomainError):
    code = "payments_unavailable"


class InvalidSignature(DomainError):
    code = "invalid_signature"
    status = 403


def webhook_secret() -> bytes:
    return (getattr(settings, "MEMBERSHIP_WEBHOOK_SECRET", "") or settings.SECRET_KEY).encode()


def webhook_signature(body: bytes) -> str:
    return hmac.new(webhook_secret(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, signature: str) -> bool:
    return bool(signature) and hmac.compare_digest(webhook_signature(body), signature)


@dataclass(frozen=True)
class TestBackend:
    """Stands in for a gateway: the checkout page offers a "pay" button that sends the signed webhook."""

    code: str = "test"

    def start(self, checkout: Checkout) -> str:
        return reverse("memberships:checkout", kwargs={"slug": checkout.shop.slug, "reference": checkout.reference})


@dataclass(frozen=True)
class HttpBackend:
    """A hosted payment page: the gateway is told the amount, the reference and where to confirm, and answers where
    to send the member."""

    code: str = "http"
    timeout: float = 10

    def start(self, checkout: Checkout) -> str:
        url = getattr(settings, "MEMBERSHIP_PAYMENT_GATEWAY_URL", "")
        if not url:
            raise PaymentsUnavailable(_("Online payment is not set up."))
        body = {
            "reference": checkout.reference,
            "amount": money_str(checkout.amount, checkout.shop.currency),
            "currency": checkout.shop.currency,
            "description": f"{checkout.plan.name} · {checkout.shop.name}",
            "return_url": absolute_url(reverse("member:shop", kwargs={"slug": checkout.shop.slug})),
            "webhook_url": absolute_url(reverse("memberships:payment_webhook", kwargs={"backend": self.code})),
        }
        try:
            response = requests.post(url, json=body, timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
            redirect_url = answer["redirect_url"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            raise PaymentsUnavailable(_("The payment service cannot be reached; please try again.")) from None
        Checkout.objects.filter(pk=checkout.pk).update(external_id=str(answer.get("id", ""))[:200])
        return redirect_url


@dataclass(frozen=True)
class VietQRBackend:
    """A bank transfer to the shop's account: the checkout page shows the VietQR code with the amount and the
    reference as the transfer's purpose; a cashier who sees the transfer confirms it at the counter."""

    code: str = "vietqr"

    def start(self, checkout: Checkout) -> str:
        return reverse("memberships:checkout", kwargs={"slug": checkout.shop.slug, "reference": checkout.reference})


BACKENDS = {backend.code: backend for backend in (TestBackend(), HttpBackend(), VietQRBackend())}


def transfer_account(shop) -> TransferAccount | None:
    """The shop's account for VietQR transfers, when it is a Vietnamese shop in VND that has one."""
    if shop.country != "VN" or shop.currency != "VND":
        return None
    return TransferAccount.objects.filter(shop_id=shop.pk).first()


def active_backend(shop=None):
    """The installation's backend (MEMBERSHIP_PAYMENT_BACKEND), else VietQR transfers for a shop that has an
    account for them, else None (members buy at the counter)."""
    backend = BACKENDS.get(getattr(settings, "MEMBERSHIP_PAYMENT_BACKEND", ""))
    if backend is None and shop is not None and transfer_account(shop) is not None:
        backend = BACKENDS["vietqr"]
    return backend


def transfer_qr_payload(checkout: Checkout) -> str | None:
    """The VietQR payload of the checkout's transfer (the amount, the reference as its purpose), or None."""
    account = transfer_account(checkout.shop)
    if account is None or checkout.amount <= 0:
        return None
    return vietqr_payload(
        bank_bin=account.bank_bin, account=account.account_number, amount=checkout.amount, purpose=checkout.reference
    )


def _new_reference() -> str:
    return "VIP" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


@atomic_service
def checkout_start(*, member, plan_code: str, at: datetime | None = None) -> Checkout:
    """A checkout of the plan at the member's price now (in money: points are spent at the counter)."""
    backend = active_backend(member.shop)
    if backend is None:
        raise PaymentsUnavailable(_("Online payment is not set up: buy at the counter."))
    at = at or timezone.now()
    plan = plan_get(member.shop, plan_code)
    quote = membership_quote(plan=plan, member=member, at=at)
    return Checkout.objects.create(
        shop=member.shop, member=member, plan=plan, price=quote.price, amount=quote.amount_due, backend=backend.code,
        reference=_new_reference(), created_at=at, expires_at=at + CHECKOUT_VALID,
    )  # fmt: skip


def checkout_find(shop, reference: str) -> Checkout:
    checkout = Checkout.objects.select_related("shop", "plan", "member").filter(reference=reference).first()
    if checkout is None or (shop is not None and checkout.shop_id != shop.pk):
        raise NotFound(_("No checkout has this reference."), code="checkout_not_found")
    return checkout


@atomic_service
def checkout_confirm(
    *, checkout: Checkout, amount: Decimal, method: str, external_id: str = "", actor=None, at=None
) -> Checkout:
    """The checkout's money arrived: buy the membership once. A second confirmation answers the first's outcome."""
    at = at or timezone.now()
    checkout = Checkout.objects.select_for_update().select_related("shop", "plan", "member").get(pk=checkout.pk)
    if checkout.status != CheckoutStatus.OPEN:
        return checkout
    if amount != checkout.amount:
        raise ValidationFailed(fields={"amount": _("is not the checkout's amount")})
    member = checkout.member
    member.shop = checkout.shop
    try:
        with transaction.atomic():
            paid = membership_purchase(
                member=member, plan_code=checkout.plan.code, amount_paid=checkout.amount, method=method,
                reference=checkout.reference, actor=actor or Actor(shop=checkout.shop), at=at,
            )  # fmt: skip
    except PriceChanged:
        checkout.status = CheckoutStatus.PRICE_CHANGED  # the money came in: the shop settles it with the member
    else:
        checkout.status, checkout.payment = CheckoutStatus.PAID, paid.payment
    checkout.external_id = external_id[:200] or checkout.external_id
    checkout.closed_at = at
    checkout.save()
    return checkout


def webhook_receive(backend_code: str, body: bytes, signature: str) -> Checkout:
    """A backend's payment notice: {"reference", "amount", "status": "paid", "id"}, signed. Raises DomainError."""
    if backend_code not in BACKENDS:
        raise NotFound(code="backend_not_found")
    if not signature_valid(body, signature):
        raise InvalidSignature(_("The signature is not valid."))
    try:
        notice = json.loads(body)
        reference, raw_amount, status = notice["reference"], notice["amount"], notice.get("status", "paid")
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed(fields={"body": "must be a JSON object with reference and amount"}) from None
    if not isinstance(reference, str) or status != "paid":
        raise ValidationFailed(fields={"status": "only paid notices are taken"})
    checkout = checkout_find(None, reference)
    if checkout.backend != backend_code:
        raise NotFound(code="checkout_not_found")
    try:
        amount = parse_money(raw_amount, checkout.shop.currency)
    except MoneyError as error:
        raise ValidationFailed(fields={"amount": str(error)}) from None
    return checkout_confirm(
        checkout=checkout, amount=amount, method=PaymentMethod.CARD, external_id=str(notice.get("id", ""))
    )


def signed_notice(checkout: Checkout) -> tuple[bytes, str]:
    """The test backend's webhook: the body a gateway would send for this checkout, and its signature."""
    body = json.dumps(
        {"reference": checkout.reference, "amount": money_str(checkout.amount, checkout.shop.currency),
         "status": "paid", "id": f"test-{checkout.reference}"}
    ).encode()  # fmt: skip
    return body, webhook_signature(body)
