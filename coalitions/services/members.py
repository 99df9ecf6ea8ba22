"""One member, one balance across a coalition's shops (hooks.shared_member)."""

from __future__ import annotations

from loyalty.models import Member

from ..models import CoalitionShop


def shared_member(shop, phone: str) -> Member | None:
    """The current member with this phone at another shop of the shop's coalition, whose account is shared."""
    coalition_id = (
        CoalitionShop.objects.filter(shop=shop, left_at__isnull=True).values_list("coalition_id", flat=True).first()
    )
    if coalition_id is None:
        return None
    others = CoalitionShop.objects.filter(coalition_id=coalition_id, left_at__isnull=True).exclude(shop=shop)
    return (
        Member.objects.current()
        .filter(phone=phone, shop_id__in=others.values("shop_id"), account__closed_at__isnull=True)
        .select_related("account")
        .order_by("created_at", "pk")
        .first()
    )
