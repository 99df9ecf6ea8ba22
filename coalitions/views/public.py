"""The coalition's page (/c/<code>/): its shops (each with its locations, what it gives and a link to its own
page), the points they share, and the join page's form: a customer joins once, at the coalition's first shop, on
the account the other shops share, so every shop recognises their phone, card and QR. The form is the join page's
own (loyalty.member_site.join.join_post: its bot checks, consent and rate limits), in the first shop's language
unless the visitor chose one."""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation

from loyalty.member_site.benefits import program_benefits
from loyalty.member_site.join import (
    DEVICE_COOKIE,
    DEVICE_MAX_AGE,
    MEMBER_EXISTS_ERROR,
    JoinForm,
    device_of,
    join_post,
    join_token,
)
from loyalty.models import Location

from ..selectors import coalition_by_code, current_shops


def page(request, code: str):
    coalition = coalition_by_code(code)
    shops = current_shops(coalition) if coalition else []
    if not shops:
        raise Http404("no coalition has this code")
    home = shops[0]
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = translation.get_language() if chosen else home.language
    render = partial(_page, coalition=coalition, shops=shops)
    with translation.override(language):
        if request.method == "POST":
            response = join_post(request, home, page=render)
        else:
            response = render(request, home, JoinForm(shop=home))
        if isinstance(response, TemplateResponse):
            response.render()
    response.headers.setdefault("Content-Language", language)
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE, device_of(request), max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax",
            secure=request.is_secure(),
        )  # fmt: skip
    return response


def _page(request, home, form, *, coalition, shops, notice: str = "", status: int = 200) -> TemplateResponse:
    locations = defaultdict(list)
    for location in Location.objects.filter(shop__in=shops).order_by("name"):
        locations[location.shop_id].append(location.name)
    context = {
        "coalition": coalition,
        "home": home,
        "shops": [{"shop": s, "locations": locations[s.pk], "gives": program_benefits(s)} for s in shops],
        "form": form,
        "token": join_token(home),
        "member_exists": form.is_bound and form.has_error(NON_FIELD_ERRORS, MEMBER_EXISTS_ERROR),
        "notice": notice,
    }
    return TemplateResponse(request, "coalitions/page.html", context, status=status)
