"""The member's own referral action: choosing their vanity code (once), from their card page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.member_site.decorators import member_view

from ..services.codes import leaderboard_choose, vanity_code_set


@require_POST
@member_view
def vanity(request, member):
    try:
        member = vanity_code_set(member=member, code=request.POST.get("code", ""))
    except DomainError as error:
        messages.error(request, next(iter(error.fields.values()), error.message))
    else:
        messages.success(request, _("Your referral code is now %(code)s.") % {"code": member.referral_code})
    return redirect(f"{_card_url(member)}#referral-program")


@require_POST
@member_view
def leaderboard(request, member):
    shown = leaderboard_choose(member=member, shown=request.POST.get("shown") == "1")
    messages.success(request, _("You are on the leaderboard.") if shown else _("You are off the leaderboard."))
    return redirect(f"{_card_url(member)}#referral-program")


def _card_url(member) -> str:
    from django.urls import reverse

    return reverse("member:shop", kwargs={"slug": member.shop.slug})
