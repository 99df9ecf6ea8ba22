"""Every page of a member at a shop starts here: the signed-in customer's member at that shop (another shop, an
erased or merged member: 404), in the member's language and the shop's time zone."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.template.response import SimpleTemplateResponse
from django.utils import timezone, translation

from .access import member_of_user_or_404


def member_language(member) -> str:
    return member.language or member.shop.language or settings.LANGUAGE_CODE


def language_cookie_set(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def member_view(view):
    """`view(request, member, **kwargs)` for the URL's `slug`; `request.shop` is the member's shop."""

    @login_required(login_url="member:sign_in_phone")
    @wraps(view)
    def wrapper(request, slug: str, **kwargs):
        member = member_of_user_or_404(request.user, slug)
        request.shop, request.member = member.shop, member
        translation.activate(member_language(member))
        request.LANGUAGE_CODE = translation.get_language()
        with timezone.override(member.shop.tz):
            response = view(request, member, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()  # dates and numbers in the shop's time zone and the member's language
        language = member_language(member)  # the settings page may just have changed it
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            language_cookie_set(response, language)
        return response

    return wrapper
