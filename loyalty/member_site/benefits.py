"""What joining gives, told to the customer (the join page): the owner's rule sentences say "Tier Gold from
500000 (×1, 5% off)"; a customer reads "Gold: 5% off everything once you reach ₫500,000 spent".

Formatted for the active language and the shop's currency; the caller activates the language."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.counter.present import money
from loyalty.formats import display_list
from loyalty.models import Shop
from loyalty.models.programs import ExpiryPolicy
from loyalty.points_names import basis_phrase, points_phrase, points_unit
from rewards.models import Reward

REWARDS_LISTED = 3


def program_benefits(shop: Shop) -> list[str]:
    """One short sentence per thing a member gets, most tangible first."""
    program = shop.program
    lines = [_bonus_line(program, "signup"), _earn_line(program, shop.currency)]
    lines.append(_rewards_line(shop, program))
    lines += [_stamp_line(card, shop) for card in program.stamp_cards.all()]
    if program.cashback_percent:
        lines.append(
            _("%(percent)s%% of every purchase back in your wallet, to spend on your next visit.")
            % {"percent": number_format(program.cashback_percent.normalize())}
        )
    lines += [_tier_line(level, program, shop.currency) for level in program.tiers.order_by("threshold")]
    lines.append(_bonus_line(program, "birthday"))
    if program.earn_points:
        lines.append(_expiry_line(program, points_unit(program)))
    return [capfirst(line) for line in lines if line]  # a sentence may start with the unit ("sao", "stars")


def _earn_line(program, currency: str) -> str:
    if not program.earn_points:
        return ""
    line = _("%(points)s for every %(amount)s you spend.") % {
        "points": points_phrase(program.earn_points, program),
        "amount": money(program.earn_per_amount, currency),
    }
    if program.point_value:
        line += " " + _("Each is worth %(amount)s when you pay with them.") % {
            "amount": money(program.point_value, currency)
        }
    return line


def _rewards_line(shop: Shop, program) -> str:
    rewards = Reward.objects.filter(shop=shop, active=True, points__gt=0).order_by("points")[:REWARDS_LISTED]
    if not rewards:
        return ""
    listed = display_list(
        _("%(reward)s for %(points)s") % {"reward": reward.name, "points": points_phrase(reward.points, program)}
        for reward in rewards
    )
    return _("Rewards: %(list)s.") % {"list": listed}


def _stamp_line(card, shop: Shop) -> str:
    reward = Reward.objects.filter(shop=shop, code=card.reward_code).first() if card.reward_code else None
    count = card.stamps_required
    return ngettext(
        "%(card)s: collect %(n)s stamp for %(reward)s.", "%(card)s: collect %(n)s stamps for %(reward)s.", count
    ) % {
        "card": card.name,
        "n": count,
        "reward": reward.name if reward else _("a reward"),
    }


def _tier_line(level, program, currency: str) -> str:
    if not level.threshold or not level.discount_percent:
        return ""
    return _("%(tier)s: %(discount)s%% off once you reach %(threshold)s.") % {
        "tier": level.name,
        "discount": number_format(level.discount_percent.normalize()),
        "threshold": basis_phrase(program, level.threshold, currency),
    }


def _bonus_line(program, event: str) -> str:
    bonus = next((b for b in program.bonuses.all() if b.event == event), None)
    if bonus is None:
        return ""
    values = {"points": points_phrase(bonus.points, program)}
    if event == "signup":
        return _("A welcome gift of %(points)s when you join.") % values
    return _("A birthday gift of %(points)s.") % values


def _expiry_line(program, unit: str) -> str:
    days, months = program.expiry_days or 0, program.expiry_months or 0
    values = {"unit": unit, "n": days, "months": months}
    if program.expiry_policy == ExpiryPolicy.INACTIVITY:
        return (
            ngettext(
                "Your %(unit)s stay as long as you visit at least once every %(n)s day.",
                "Your %(unit)s stay as long as you visit at least once every %(n)s days.",
                days,
            )
            % values
        )
    if program.expiry_policy == ExpiryPolicy.DAYS_AFTER_EARN:
        return (
            ngettext(
                "Your %(unit)s last %(n)s day from the day you earn them.",
                "Your %(unit)s last %(n)s days from the day you earn them.",
                days,
            )
            % values
        )
    if program.expiry_policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
        return (
            ngettext(
                "Your %(unit)s last %(months)s month after the month you earn them.",
                "Your %(unit)s last %(months)s months after the month you earn them.",
                months,
            )
            % values
        )
    return _("Your %(unit)s never expire.") % values
