"""Owners' edits from the portal: a challenge saved with every field checked (the same rules as the configuration
file's section), switched on or off."""

from __future__ import annotations

from decimal import Decimal

from loyalty.errors import ValidationFailed
from loyalty.money import MoneyError, parse_money
from loyalty.services.config_reader import SLUG
from loyalty.services.transactions import atomic_service
from rewards.models import Reward

from ..models import Challenge, GoalKind


def _checked(shop, fields: dict) -> dict:
    errors = {}
    if not SLUG.match(fields.get("code") or ""):
        errors["code"] = "Lower-case letters, digits and dashes."
    if not (fields.get("name") or "").strip():
        errors["name"] = "A name is needed."
    kind = fields.get("goal_kind")
    if kind not in GoalKind.values:
        errors["goal_kind"] = "Unknown goal."
    target = fields.get("target")
    try:
        target = parse_money(str(target), shop.currency) if kind == GoalKind.SPEND else Decimal(str(target))
    except (MoneyError, ArithmeticError, ValueError):
        target = None
    if target is None or target <= 0 or (kind != GoalKind.SPEND and target != target.to_integral_value()):
        errors["target"] = "A whole number above 0 (money for spend)."
    starts, ends = fields.get("starts"), fields.get("ends")
    if not starts or not ends or ends <= starts:
        errors["ends"] = "The end must be after the start."
    reward = fields.get("reward")
    if reward is not None and (not isinstance(reward, Reward) or reward.shop_id != shop.pk):
        errors["reward"] = "Not a reward of this shop."
    if (fields.get("points") or 0) < 0:
        errors["points"] = "Not below 0."
    if errors:
        raise ValidationFailed(fields=errors)
    return fields | {"target": target, "categories": list(fields.get("categories") or [])}


@atomic_service
def challenge_save(*, shop, challenge: Challenge | None = None, **fields) -> Challenge:
    fields = _checked(shop, fields)
    if Challenge.objects.filter(shop=shop, code=fields["code"]).exclude(pk=getattr(challenge, "pk", None)).exists():
        raise ValidationFailed(fields={"code": "Another challenge has this code."})
    challenge = challenge or Challenge(shop=shop)
    if challenge.pk and challenge.ends != fields["ends"]:
        challenge.closed_at = None  # a new end date: the job judges the window again
    for name, value in fields.items():
        setattr(challenge, name, value)
    challenge.save()
    return challenge


@atomic_service
def challenge_set_active(*, challenge: Challenge, active: bool) -> Challenge:
    challenge.active = active
    challenge.save(update_fields=["active"])
    return challenge
