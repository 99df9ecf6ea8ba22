"""What the member's card page says after their shop left its coalition (hooks.page_section "member.card"): their
points here start again on a balance of their own, and what they held stays usable at the coalition's shops.

Per process: program id → (its updated_at when judged, whether its shop ever left a coalition). Leaving marks the
shop's program as changed (services/leaving.py), so the card page of a shop that never left pays no query."""

from __future__ import annotations

from loyalty import hooks
from loyalty.formats import display_list

from .models import AccountSplit, CoalitionShop

_LEFT: dict[int, tuple] = {}
_LEFT_LIMIT = 4096


def shop_has_left(program) -> bool:
    cached = _LEFT.get(program.pk)
    if cached is not None and program.updated_at <= cached[0]:
        return cached[1]
    if len(_LEFT) >= _LEFT_LIMIT:
        _LEFT.clear()
    left = CoalitionShop.objects.filter(shop_id=program.shop_id, left_at__isnull=False).exists()
    _LEFT[program.pk] = (program.updated_at, left)
    return left


@hooks.page_section("member.card", "coalitions/partials/left_notice.html", order=5)
def left_notice(*, member, **_):
    # The account's program is the shop's own (no query) unless the account is shared with another shop's member.
    program = member.account.program
    if program.shop_id != member.shop_id:
        program = member.shop.program
    if not shop_has_left(program):
        return None
    split = (
        AccountSplit.objects.filter(member=member)
        .select_related("term__coalition", "shared_account")
        .order_by("-at", "-pk")
        .first()
    )
    if split is None:
        return None
    coalition = split.term.coalition
    shops = CoalitionShop.objects.current().filter(coalition=coalition).select_related("shop")
    return {
        "left_split": split,
        "left_coalition": coalition,
        "left_shared_points": split.shared_account.points_balance,
        "left_remaining_shops": display_list(term.shop.name for term in shops),
    }
