"""Owners' settings from the portal: the impact counter, surprise rewards and the community (badges, leaderboard,
ideas), each checked as the configuration file's sections check them."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.money import minor_units, quantum
from loyalty.services.config_reader import SLUG
from loyalty.services.transactions import atomic_service

from ..models import Board, Community, Impact, ImpactPer, LeaderboardPrize, Surprise

FOUR_PLACES = Decimal("0.0001")


def _money_problem(value, currency: str) -> str | None:
    if value is not None and value != value.quantize(quantum(currency)):
        return f"{currency} has {minor_units(currency)} decimal places."
    return None


def _quantity_problem(value) -> str | None:
    if value is None or value <= 0 or value != value.quantize(FOUR_PLACES):
        return "Above 0, with at most four decimal places."
    return None


@atomic_service
def impact_save(*, shop, name: str, unit: str, per: str, quantity: Decimal, per_amount=None, per_donation=Decimal(1)):
    errors = {}
    if not (name or "").strip():
        errors["name"] = "A name is needed."
    if not (unit or "").strip():
        errors["unit"] = "A unit is needed."
    if per not in ImpactPer.values:
        errors["per"] = "Unknown choice."
    for field, value in (("quantity", quantity), ("per_donation", per_donation)):
        if problem := _quantity_problem(value):
            errors[field] = problem
    if per == ImpactPer.AMOUNT and (per_amount is None or per_amount <= 0):
        errors["per_amount"] = "Needed when counting by the amount spent."
    elif problem := _money_problem(per_amount, shop.currency):
        errors["per_amount"] = problem
    if errors:
        raise ValidationFailed(fields=errors)
    fields = {"name": name.strip(), "unit": unit.strip(), "per": per, "quantity": quantity,
              "per_amount": per_amount if per == ImpactPer.AMOUNT else None, "per_donation": per_donation}  # fmt: skip
    return Impact.objects.update_or_create(shop=shop, defaults=fields)[0]


@atomic_service
def surprise_save(*, shop, code: str, name: str, one_in: int, reward, min_spend: Decimal = Decimal(0)) -> Surprise:
    errors = {}
    if not SLUG.match(code or ""):
        errors["code"] = "Lower-case letters, digits and dashes."
    if not (name or "").strip():
        errors["name"] = "A name is needed."
    if one_in is None or one_in < 2:
        errors["one_in"] = "At least 2."
    if reward is None or reward.shop_id != shop.pk:
        errors["reward"] = "Not a reward of this shop."
    if min_spend is None or min_spend < 0:
        errors["min_spend"] = "Not below 0."
    elif problem := _money_problem(min_spend, shop.currency):
        errors["min_spend"] = problem
    if errors:
        raise ValidationFailed(fields=errors)
    fields = {"name": name.strip(), "one_in": one_in, "reward": reward, "min_spend": min_spend, "active": True}
    return Surprise.objects.update_or_create(shop=shop, code=code, defaults=fields)[0]


@atomic_service
def surprise_set_active(*, surprise: Surprise, active: bool) -> Surprise:
    surprise.active = active
    surprise.save(update_fields=["active"])
    return surprise


@atomic_service
def community_save(*, shop, badges: bool, leaderboard: bool, ideas: bool) -> Community:
    flags = {"badges": badges, "leaderboard": leaderboard, "ideas": ideas}
    return Community.objects.update_or_create(shop=shop, defaults=flags)[0]


def prize_boards() -> list[tuple[str, str]]:
    """The boards an owner may attach prizes to: the referrers' one only with the referral program."""
    return [
        (value, label) for value, label in Board.choices if value != Board.REFERRALS or apps.is_installed("referrals")
    ]


@atomic_service
def prize_set(*, shop, board: str, place: int, reward) -> LeaderboardPrize:
    """The prize of a board's place (replacing the place's prize); the job gives it when each month closes."""
    errors = {}
    if board not in dict(prize_boards()):
        errors["board"] = _("Unknown board.")
    if place is None or place < 1:
        errors["place"] = _("At least 1.")
    if reward is None or reward.shop_id != shop.pk:
        errors["reward"] = _("Not a reward of this shop.")
    if errors:
        raise ValidationFailed(fields=errors)
    prize, _created = LeaderboardPrize.objects.update_or_create(
        shop=shop, board=board, place=place, defaults={"reward": reward}
    )
    return prize


@atomic_service
def prize_remove(*, prize: LeaderboardPrize) -> None:
    """Prizes are settings: the places already given keep their awards and vouchers."""
    prize.delete()
