"""The referral link (/r/<code>/): a landing page in the shop's language with the shop, what the friend gets and
the join page's form carrying the code (it posts to the join page, whose rules and anti-bot checks apply). Each
opening is counted for the funnel, with the browser's id the fraud rules judge; openings past the per-address rate
limit are not counted (the funnel stays honest) and codes guessed past it get 429, not an answer."""

from __future__ import annotations

from allauth.core.internal import ratelimit  # the public consume() never limits a GET
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation

from loyalty.counter.present import reward_value
from loyalty.member_site.benefits import program_benefits
from loyalty.member_site.join import DEVICE_COOKIE, DEVICE_MAX_AGE, JoinForm, device_of, join_token

from ..models import LinkVisit
from ..services.approval import friend_name
from ..services.codes import member_for_link
from ..services.programs import program_of

RATE_ACTION_LINK = "referral_link"


def link(request, code: str):
    counted = ratelimit.consume(request, app="allauth.account", action=RATE_ACTION_LINK, limit_get=True) is not None
    referrer = member_for_link(code)
    if referrer is None and not counted:
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    if referrer is None:
        raise Http404("no member has this referral code")
    shop = referrer.shop
    program = program_of(shop)
    if program is None:  # no referral program: the code still carries to the join page
        return redirect(f"{reverse('join', kwargs={'slug': shop.slug})}?ref={referrer.referral_code}")
    if counted:
        LinkVisit.objects.create(shop=shop, referrer=referrer, device=device_of(request))
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = translation.get_language() if chosen else shop.language
    with translation.override(language):
        response = TemplateResponse(request, "referrals/landing.html", _landing(shop, referrer, program))
        response.render()
    response.headers.setdefault("Content-Language", language)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE, device_of(request), max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
            secure=request.is_secure(),
        )  # fmt: skip
    return response


def _landing(shop, referrer, program) -> dict:
    reward = program.referee_reward
    return {
        "shop": shop,
        "referrer_name": friend_name(referrer),
        "offer": reward,
        "offer_value": reward_value(reward, shop.currency) if reward else "",
        "summary": program_benefits(shop),
        "form": JoinForm(initial={"ref": referrer.referral_code}, shop=shop),
        "token": join_token(shop),
        "join_url": reverse("join", kwargs={"slug": shop.slug}),
    }
