"""What a coalition adds to other pages (loyalty.hooks page sections): the member's card page names the coalition
and the shops where the balance works; the shop's public page (/s/) names the coalition. A shop outside a
coalition pays no query for them (coalitions.selectors.coalition_of)."""

from __future__ import annotations

from django.urls import reverse

from loyalty import hooks
from loyalty.formats import display_list

from .selectors import coalition_of, current_shops


def coalition_context(shop, program=None) -> dict | None:
    coalition = coalition_of(shop, program)
    if coalition is None:
        return None
    shops = current_shops(coalition)
    return {
        "coalition": {
            "name": coalition.name,
            "points_name": coalition.points_name,
            "shops": shops,
            "shop_names": display_list(s.name for s in shops),
            "url": reverse("coalitions:page", kwargs={"code": coalition.code}),
        }
    }


@hooks.page_section("member.card", "coalitions/partials/member_card.html", order=20)
def member_card(*, member, **_kwargs):
    return coalition_context(member.shop, member.account.program)


@hooks.page_section("shop.page", "coalitions/partials/shop_page.html", order=20)
def shop_page(*, shop, **_kwargs):
    return coalition_context(shop)
