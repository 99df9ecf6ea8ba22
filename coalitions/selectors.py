"""Reads of coalitions that pages share: the coalition a shop is in (no query for a shop outside one, once its
program was judged in this process) and its current shops."""

from __future__ import annotations

from loyalty.models import Program, Shop

from .models import Coalition, CoalitionShop

# Per process: the shop's program id → (its updated_at when judged, the shop's coalition or None). Any change of a
# coalition or of its shops marks their programs as changed (coalitions.signals), so a stale answer is not kept.
_OF_PROGRAM: dict[int, tuple] = {}
_LIMIT = 4096


def coalition_of(shop: Shop, program: Program | None = None) -> Coalition | None:
    """The coalition the shop is in now; `program`: the shop's own, when the caller holds it (a member's account's)."""
    return coalition_of_program(program if program is not None and program.shop_id == shop.pk else shop.program)


def coalition_of_program(program: Program) -> Coalition | None:
    """The coalition the program's shop is in now."""
    cached = _OF_PROGRAM.get(program.pk)
    if cached is not None and program.updated_at <= cached[0]:
        return cached[1]
    if len(_OF_PROGRAM) >= _LIMIT:
        _OF_PROGRAM.clear()
    term = (
        CoalitionShop.objects.filter(shop_id=program.shop_id, left_at__isnull=True).select_related("coalition").first()
    )
    coalition = term.coalition if term else None
    _OF_PROGRAM[program.pk] = (program.updated_at, coalition)
    return coalition


def current_shops(coalition: Coalition) -> list[Shop]:
    """The coalition's shops now, in the document's order, with their programs."""
    terms = CoalitionShop.objects.filter(coalition=coalition, left_at__isnull=True).select_related("shop__program")
    return [term.shop for term in terms.order_by("position", "pk")]


def coalition_by_code(code: str) -> Coalition | None:
    """A coalition with at least one current shop (a public page names no other)."""
    return Coalition.objects.filter(code=code, shops__left_at__isnull=True).distinct().first()
