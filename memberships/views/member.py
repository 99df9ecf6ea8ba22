"""The member page's purchase of a plan: start a checkout at the member's price now, pay it through the payment
backend (the test backend's own page, or a gateway's), and the backend's signed webhook that confirms it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from loyalty.counter.idempotency import Refused, new_key, once
from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.member_site.decorators import member_view
from loyalty.member_site.views.pages import inline_svg
from loyalty.money import format_money
from loyalty.qr import qr_svg

from ..models import CheckoutStatus
from ..services.checkout import (
    SIGNATURE_HEADER,
    active_backend,
    checkout_find,
    checkout_start,
    signed_notice,
    transfer_qr_payload,
    webhook_receive,
)
from ..services.lifecycle import membership_trial_start


def _card(member) -> str:
    return reverse("member:shop", kwargs={"slug": member.shop.slug}) + "#membership"


@require_POST
@member_view
def buy(request, member):
    def action() -> str:
        try:
            checkout = checkout_start(member=member, plan_code=request.POST.get("plan", ""))
            return active_backend(member.shop).start(checkout)
        except DomainError as error:
            messages.error(request, error.message)
            raise Refused(redirect(_card(member))) from None

    return once(request, action, back=_card(member))


@require_POST
@member_view
def trial(request, member):
    def action() -> str:
        try:
            started = membership_trial_start(member=member, plan_code=request.POST.get("plan", ""))
        except DomainError as error:
            messages.error(request, error.message)
            raise Refused(redirect(_card(member))) from None
        messages.success(request, _("Your free trial of %(plan)s has started.") % {"plan": started.plan.name})
        return _card(member)

    return once(request, action, back=_card(member))


def _own_checkout(member, reference: str):
    try:
        checkout = checkout_find(member.shop, reference)
    except DomainError:
        raise Http404("no such checkout") from None
    if checkout.member_id != member.pk:
        raise Http404("another member's checkout")
    return checkout


@require_GET
@member_view
def checkout_page(request, member, reference: str):
    checkout = _own_checkout(member, reference)
    context = {
        "checkout": checkout,
        "amount": format_money(checkout.amount, member.shop.currency, str(display_locale())),
        "is_open": checkout.status == CheckoutStatus.OPEN,
        "test_backend": checkout.backend == "test",
        "transfer_qr": inline_svg(qr_svg(payload)) if (payload := transfer_qr_payload(checkout)) else None,
        "new_key": new_key,
        "shop": member.shop,
    }
    return TemplateResponse(request, "memberships/checkout.html", context)


@require_POST
@member_view
def test_pay(request, member, reference: str):
    """The test backend's "pay" button: sends the signed webhook a gateway would send, through the same handler."""
    checkout = _own_checkout(member, reference)
    if checkout.backend != "test" or getattr(active_backend(member.shop), "code", "") != "test":
        raise Http404("not a test checkout")
    body, signature = signed_notice(checkout)
    done = webhook_receive("test", body, signature)
    if done.status == CheckoutStatus.PAID:
        messages.success(request, _paid_text(done))
    else:
        messages.error(request, str(CheckoutStatus(done.status).label))
    return redirect(_card(member))


def _paid_text(checkout) -> str:
    return _("Welcome to %(plan)s! Your benefits start now.") % {"plan": checkout.plan.name}


@csrf_exempt
@require_POST
def webhook(request, backend: str):
    """A payment backend's notice, signed with the shared secret (HMAC-SHA256 of the body, hex, in the header)."""
    try:
        checkout = webhook_receive(backend, request.body, request.headers.get(SIGNATURE_HEADER, ""))
    except DomainError as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)
    return JsonResponse({"reference": checkout.reference, "status": checkout.status})
