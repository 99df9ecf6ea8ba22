"""What the partner program adds to other pages: the member's partner on the portal's member page, and the
partner page as where a partner lands after signing in (loyalty.hooks)."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse

from loyalty import hooks
from loyalty.formats import display_locale
from loyalty.money import format_money

from .models import Binding, Commission, CommissionStatus
from .selectors import partners_of_user
from .services.programs import partners_enabled


@hooks.page_section("portal.member", "partners/partials/portal_member.html")
def portal_member(*, request, member, **_):
    """The partner the member is bound to, since when and how, and what their purchases earned the partner. A shop
    without a partner program pays no query for it."""
    if not partners_enabled(request.shop, member.account.program):
        return None
    binding = Binding.objects.select_related("partner").filter(member=member).first()
    if binding is None:
        return None
    earned = (
        Commission.objects.filter(member=member, partner=binding.partner)
        .exclude(status=CommissionStatus.REJECTED)
        .aggregate(total=Sum("amount"))["total"]
    )
    shop = request.shop
    return {
        "binding": binding,
        "earned": format_money(earned or 0, shop.currency, str(display_locale())),
    }


@hooks.sign_in_destination
def partner_page(user) -> str | None:
    return reverse("partners:home") if partners_of_user(user).exists() else None
