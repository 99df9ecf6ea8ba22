"""What a coalition adds to the till API's Member answer (loyalty.hooks member fields): the coalition whose shops
share the member's balance, so a till knows the points it shows are good at the other shops too. A shop outside a
coalition pays no query for it (coalitions.selectors.coalition_of)."""

from __future__ import annotations

from datetime import datetime

from loyalty import hooks

from .selectors import coalition_of, current_shops


@hooks.member_field("coalition")
def coalition_field(member, at: datetime) -> dict | None:
    coalition = coalition_of(member.shop)  # the asking shop's: the till API holds its program with the key
    if coalition is None:
        return None
    return {
        "code": coalition.code,
        "name": coalition.name,
        "points_name": coalition.points_name,
        "shops": [shop.slug for shop in current_shops(coalition)],
    }
