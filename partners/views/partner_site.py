"""The partners' own pages: they sign in with a code sent to their email (allauth's login by code) or their
password, and see their link and its QR code, the customers bound to them (first names only), their commissions
by status, their statements and their payout details, which they keep up to date themselves.

A partner is whoever proved the partner's email (partners_of_user): no staff membership and no member's sign-in
user is ever made or linked for them, so the partner pages open neither the portal nor anyone's card."""

from __future__ import annotations

import uuid

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from loyalty.errors import ValidationFailed
from loyalty.formats import display_locale
from loyalty.member_site.access import absolute_url, passwordless_user
from loyalty.money import format_money
from loyalty.names import given_name
from loyalty.portal.forms import add_domain_error
from loyalty.qr import qr_svg

from ..forms import PayoutDetailsForm
from ..models import Partner
from ..selectors import (
    commissions_of,
    customers_of,
    partner_figures,
    partner_link_path,
    partners_of_user,
)
from ..services.programs import payout_details_update

RATE_ACTION = "request_login_code"  # the same limit as the members' sign-in codes (per address and per IP)
RECENT = 50


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your email"), max_length=254)


@transaction.atomic
def partner_user(email: str):
    """Who signs in with a code sent to a partner's email: the account holding it, else a new passwordless one
    (never staff, never a member's own user); the code proves the address."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        user = passwordless_user(f"partner-{uuid.uuid4().hex}")
        user.email = email.lower()
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email=email.lower(), verified=False, primary=True)
    return user


def sign_in(request):
    """A code to the email: a partner's gets one, any other the same next page and an email saying there is no
    account (allauth's), so a stranger learns nothing of who is a partner."""
    if partners_of_user(request.user).exists():
        return redirect("partners:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip()
        if not ratelimit.consume(request, action=RATE_ACTION, key=email.lower()):
            form.add_error("email", _("Too many codes asked for; wait a minute and try again."))
            return TemplateResponse(request, "partners/sign_in.html", {"form": form}, status=429)
        known = Partner.objects.filter(email__iexact=email).exists()
        LoginCodeVerificationProcess.initiate(request=request, user=partner_user(email) if known else None, email=email)
        return redirect(f"{reverse('account_confirm_login_code')}?{urlencode({'next': reverse('partners:home')})}")
    password_url = f"{reverse('account_login')}?{urlencode({'next': reverse('partners:home')})}"
    return TemplateResponse(request, "partners/sign_in.html", {"form": form, "password_url": password_url})


def _mine(request, partner_id: int) -> Partner:
    """One of the signed-in person's partners; anyone else's (or none) is a 404."""
    partner = partners_of_user(request.user).filter(pk=partner_id).first()
    if partner is None:
        raise Http404("not your partner page")
    return partner


@login_required(login_url="partners:sign_in")
def home(request):
    partners = list(partners_of_user(request.user))
    if len(partners) == 1:
        return redirect("partners:page", partner_id=partners[0].pk)
    return TemplateResponse(request, "partners/home.html", {"partners": partners})


def page_context(partner: Partner, form: PayoutDetailsForm | None = None) -> dict:
    currency, locale = partner.shop.currency, str(display_locale())
    figures = partner_figures(partner)
    commissions = list(commissions_of(partner).order_by("-occurred_at", "-pk")[:RECENT])
    return {
        "partner": partner,
        "link": absolute_url(partner_link_path(partner)),
        "figures": {name: format_money(value, currency, locale) for name, value in vars(figures).items()},
        "customers": [
            {"name": given_name(binding.member.name), "since": binding.bound_at} for binding in customers_of(partner)
        ],
        "commissions": [
            {"commission": c, "customer": given_name(c.member.name), "amount": format_money(c.amount, currency, locale)}
            for c in commissions
        ],
        "min_payout": format_money(partner.plan.min_payout, currency, locale),
        "statements": [
            {"payout": payout, "amount": format_money(payout.amount, currency, locale)}
            for payout in partner.payouts.order_by("-created_at")
        ],
        "form": form or PayoutDetailsForm(instance=partner),
    }


@login_required(login_url="partners:sign_in")
def page(request, partner_id: int):
    partner = _mine(request, partner_id)
    return TemplateResponse(request, "partners/page.html", page_context(partner))


@login_required(login_url="partners:sign_in")
def link_qr(request, partner_id: int):
    partner = _mine(request, partner_id)
    response = HttpResponse(qr_svg(absolute_url(partner_link_path(partner))), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@login_required(login_url="partners:sign_in")
def payout_details(request, partner_id: int):
    """The partner says how they want to be paid (their bank account for VietQR, or other details)."""
    partner = _mine(request, partner_id)
    form = PayoutDetailsForm(request.POST, instance=partner)
    if form.is_valid():
        try:
            payout_details_update(partner=partner, **form.cleaned_data)
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            return redirect(reverse("partners:page", kwargs={"partner_id": partner.pk}) + "#payout-details")
    return TemplateResponse(request, "partners/page.html", page_context(partner, form), status=422)


@login_required(login_url="partners:sign_in")
def statement(request, partner_id: int, payout_id: int):
    partner = _mine(request, partner_id)
    payout = partner.payouts.filter(pk=payout_id).first()
    if payout is None:
        raise Http404("not this partner's statement")
    currency, locale = partner.shop.currency, str(display_locale())
    lines = [
        {"commission": line, "amount": format_money(line.amount, currency, locale)}
        for line in payout.lines.select_related("purchase").order_by("occurred_at", "pk")
    ]
    return TemplateResponse(
        request,
        "partners/statement.html",
        {"partner": partner, "payout": payout, "amount": format_money(payout.amount, currency, locale), "lines": lines},
    )
