"""The join page a shop's poster links to (`/j/<shop>/`): what the program gives and a short form.

Bots are kept out by a honeypot field and a signed token stamped with the time the form was shown (a person
takes more than a couple of seconds; a stale or forged token is refused), and by allauth's rate limiter per
address and per phone. Joining signs the customer in and shows their card; the welcome message is member_enrol's.
"""

from __future__ import annotations

import secrets
import time

from allauth.core import ratelimit
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from loyalty.errors import MemberExists, ValidationFailed
from loyalty.models import ConsentSource, Shop
from loyalty.services.members import member_enrol, phone_normalise, referrer_by_code

from .access import member_login
from .benefits import program_benefits

TOKEN_SALT = "regulars.join-form"
# A partner's link (the partners app, /p/<code>) leaves its code in this cookie; the join form carries it.
PARTNER_COOKIE = "regulars_partner"
# A random id of the browser, kept a year: the referral program's fraud rules judge many sign-ups from one browser.
DEVICE_COOKIE = "regulars_device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 365
TOKEN_MIN_AGE = 2  # seconds: faster than this is a script, not a person typing
TOKEN_MAX_AGE = 60 * 60 * 4  # an open tab stays usable for a few hours
RATE_ACTION_IP = "member_join"
RATE_ACTION_PHONE = "member_join_phone"
BOT_ERROR = "bot"
MEMBER_EXISTS_ERROR = "member_exists"
UNKNOWN_REF = _(
    "The invitation code in your link is not known here. Ask your friend for their link again, or join without it."
)


# ---------------------------------------------------------------- the anti-bot token


def join_token(shop: Shop, *, issued_at: float | None = None) -> str:
    """A signed token naming the shop and the moment the form was shown."""
    issued = issued_at if issued_at is not None else time.time()
    return signing.Signer(salt=TOKEN_SALT).sign(f"{shop.pk}:{issued:.3f}")


def join_token_problem(shop: Shop, token: str, *, now: float | None = None) -> str | None:
    """Why a submitted token is refused (forged, too fast, too old), or None when it is fine."""
    try:
        shop_id, _, issued = signing.Signer(salt=TOKEN_SALT).unsign(token or "").partition(":")
        age = (now if now is not None else time.time()) - float(issued)
    except (signing.BadSignature, ValueError):
        return "forged"
    if shop_id != str(shop.pk):
        return "forged"
    if age < TOKEN_MIN_AGE:
        return "too_fast"
    if age > TOKEN_MAX_AGE:
        return "too_old"
    return None


# ---------------------------------------------------------------- the form


class JoinForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "dir": "ltr"}),
    )
    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        help_text=_("Optional. Some shops give a treat on your birthday."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    marketing_consent = forms.BooleanField(required=False)
    ref = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    partner = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by form-filling scripts.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.fields["marketing_consent"].label = _(
            "Yes, %(shop)s may send me offers and news by SMS or email. I can withdraw this at any time."
        ) % {"shop": shop.name}

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"], self.shop.country)
        except ValidationFailed:
            raise forms.ValidationError(_("This is not a valid phone number."), code="invalid_phone") from None

    def clean_birthday(self):
        birthday = self.cleaned_data["birthday"]
        if birthday and birthday >= timezone.localdate():
            raise forms.ValidationError(_("A birthday is a day in the past."), code="future")
        return birthday

    def clean_ref(self) -> str:
        code = self.cleaned_data["ref"].strip().upper()
        if code and not referrer_exists(self.shop, code):
            raise forms.ValidationError(UNKNOWN_REF, code="unknown_ref")
        return code

    def clean(self):
        cleaned = super().clean()
        problem = "honeypot" if cleaned.get("website") else join_token_problem(self.shop, cleaned.get("token", ""))
        if problem:
            raise forms.ValidationError(bot_message(problem), code=BOT_ERROR)
        return cleaned

    @property
    def refused_as_bot(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, BOT_ERROR)


def bot_message(problem: str) -> str:
    """What a person whose form was taken for a bot's reads: only a page left open too long is their doing."""
    if problem == "too_old":
        return _("This page was open for a long time. Please check your details and press Join again.")
    return _("We could not accept the form this time. Please wait a moment and press Join again.")


def referrer_exists(shop: Shop, code: str) -> bool:
    return referrer_by_code(shop, code) is not None


# ---------------------------------------------------------------- the page


def join(request, slug: str):
    """The join page in the shop's language, unless the visitor chose one with the language switcher."""
    shop = get_object_or_404(Shop, slug=slug, program__isnull=False)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = translation.get_language() if chosen else shop.language
    with translation.override(language):
        response = _join(request, shop)
        if isinstance(response, TemplateResponse):
            response.render()
    response.headers.setdefault("Content-Language", language)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            device_of(request),
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def device_of(request) -> str:
    """The browser's id: its cookie, or one drawn for it now (set on the answer by `join`)."""
    if not getattr(request, "_join_device", None):
        request._join_device = (request.COOKIES.get(DEVICE_COOKIE) or secrets.token_urlsafe(16))[:40]
    return request._join_device


def _join(request, shop: Shop):
    if request.method != "POST":
        ref = request.GET.get("ref", "").strip().upper()[:16]
        partner = (request.GET.get("partner") or request.COOKIES.get(PARTNER_COOKIE, "")).strip()[:40]
        return _page(request, shop, JoinForm(initial={"ref": ref, "partner": partner}, shop=shop))
    return join_post(request, shop)


def join_post(request, shop: Shop, page=None):
    """The join form posted to `shop`: the rate limits, the bot checks, the enrolment, the sign-in and the card.
    `page(request, shop, form, notice=…, status=…)` shows the form again (the join page by default; a page of a
    program app that carries the same form, a coalition's, gives its own)."""
    page = page or _page
    if not ratelimit.consume(request, action=RATE_ACTION_IP):
        return _too_many(request, shop, page)
    form = JoinForm(request.POST, shop=shop)
    if not form.is_valid():
        return page(request, shop, form, status=400 if form.refused_as_bot else 200)
    if not ratelimit.consume(request, action=RATE_ACTION_PHONE, key=form.cleaned_data["phone"]):
        return _too_many(request, shop, page)
    return _enrol(request, shop, form, page)


def _enrol(request, shop: Shop, form: JoinForm, page):
    data = form.cleaned_data
    try:
        member = member_enrol(
            shop=shop,
            phone=data["phone"],
            name=data["name"],
            birthday=data["birthday"],
            marketing_consent=data["marketing_consent"],
            consent_source=ConsentSource.JOIN_PAGE,
            referral_code=data["ref"],
            partner_code=data["partner"],
            channel="join_page",
            device=device_of(request),
        )
    except MemberExists:
        form.add_error(None, forms.ValidationError(_("This phone is already a member."), code=MEMBER_EXISTS_ERROR))
        return page(request, shop, form)
    except ValidationFailed as error:
        field = "ref" if "referral_code" in error.fields else next((f for f in error.fields if f in form.fields), None)
        form.add_error(field, error.message)
        return page(request, shop, form)
    member_login(request, member)
    return redirect("member:shop", slug=shop.slug)


def _too_many(request, shop: Shop, page) -> TemplateResponse:
    """Over the limit: what was typed is shown again, unchecked, with the reason."""
    form = JoinForm(initial=request.POST.dict(), shop=shop)
    notice = _("Too many attempts to join from here. Please wait a few minutes and try again.")
    return page(request, shop, form, notice=notice, status=429)


def _page(request, shop: Shop, form: JoinForm, *, notice: str = "", status: int = 200) -> TemplateResponse:
    """The page; every rendering carries a fresh token, so a person whose submit was refused can simply retry."""
    ref = str((form.data if form.is_bound else form.initial).get("ref") or "").strip().upper()
    known = bool(ref) and referrer_exists(shop, ref)
    context = {
        "shop": shop,
        "summary": program_benefits(shop),
        "form": form,
        "token": join_token(shop),
        "invited": known,
        "ref_problem": UNKNOWN_REF if ref and not known else "",
        "member_exists": form.is_bound and form.has_error(NON_FIELD_ERRORS, MEMBER_EXISTS_ERROR),
        "notice": notice,
    }
    return TemplateResponse(request, "member/join.html", context, status=status)
