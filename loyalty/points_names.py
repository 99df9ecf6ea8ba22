"""A number of points as a person reads it, in the active language: grouped ("12,345" / "12.345") and named the
way the program names its points ("1 star", "25 stars", "25 sao"), or "1 point" / "2 points" translated when the
program keeps the default name. One place for messages, pages and printing."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

from loyalty.formats import display_locale
from loyalty.models.programs import TierBasis
from loyalty.money import format_money


def custom_points_names(program) -> tuple[str, str] | None:
    """(one, many) when the program names its points itself; None when it keeps the default ("points", or
    "points" in the shop's language, which a new shop is given)."""
    if program is None:
        return None
    many = (program.points_name or "").strip()
    if not many or many == "points":
        return None
    shop = getattr(program, "shop", None)
    with translation.override(shop.language if shop else None):
        if many == gettext("points"):
            return None
    return (program.points_name_one or "").strip() or many, many


def points_unit(program, count: int | None = None) -> str:
    """The unit alone, for `count` (a heading, "Points available" read as "Stars available" takes the plural)."""
    names = custom_points_names(program)
    if names:
        return names[0] if count == 1 else names[1]
    return ngettext("point", "points", 2 if count is None else count)


def points_phrase(count: int, program) -> str:
    number = formats.number_format(count, force_grouping=True)
    names = custom_points_names(program)
    if names:
        return f"{number} {names[0] if abs(count) == 1 else names[1]}"
    return ngettext("%(count)s point", "%(count)s points", count) % {"count": number}


def shop_program(shop):
    """The shop's program, or None while a new shop has none (the reverse one-to-one is missing)."""
    try:
        return shop.program
    except AttributeError:
        return None


def basis_phrase(program, basis: Decimal, currency: str) -> str:
    """An amount of the program's tier basis as a person reads it: money, visits or points."""
    if program.tier_basis == TierBasis.AMOUNT_SPENT:
        return format_money(basis, currency, str(display_locale()))
    count = int(basis)
    if program.tier_basis == TierBasis.VISITS:
        return ngettext("%(count)s visit", "%(count)s visits", count) % {
            "count": formats.number_format(count, force_grouping=True)
        }
    return points_phrase(count, program)
