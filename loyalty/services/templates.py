"""Shipped program templates (loyalty/program_templates/*.json) applied to a shop, and the configuration
summarised in plain words for the program page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.labels import event_name
from loyalty.models import Shop
from loyalty.models.programs import ExpiryPolicy
from loyalty.money import format_money, quantum
from loyalty.points_names import basis_phrase, points_phrase, points_unit
from rewards.selectors import reward_names

from .config import config_import
from .config_export import config_export

FOLDER = Path(__file__).resolve().parent.parent / "program_templates"

# Templates are written in VND. Other currencies scale every amount by the price of a coffee there, so a
# template means the same thing everywhere; the owner tunes the figures afterwards.
COFFEE_PRICE = {
    "VND": Decimal("45000"),
    "USD": Decimal("4"),
    "EUR": Decimal("3.5"),
    "GBP": Decimal("3.2"),
    "IRR": Decimal("1500000"),
    "THB": Decimal("70"),
    "IDR": Decimal("30000"),
    "PHP": Decimal("150"),
    "MYR": Decimal("12"),
    "SGD": Decimal("6"),
    "INR": Decimal("200"),
    "JPY": Decimal("500"),
    "KRW": Decimal("5000"),
    "CNY": Decimal("25"),
    "AUD": Decimal("5.5"),
}
MONEY_KEYS = {"point_value", "per_amount", "min_spend", "value", "max_discount", "amount"}
# Names in a template are written in every language: {"en": "Free coffee", "vi": "Cà phê miễn phí", "fa": "…"}.
LANGUAGES = {code for code, _name in settings.LANGUAGES}
# What the shop already calls its program and points stays when a template is applied.
KEPT_NAMES = ("name", "points_name", "points_name_one")


@dataclass(frozen=True)
class ProgramTemplate:
    code: str
    name: str
    description: str
    document: dict  # in the language the template was read in


def program_templates(language: str | None = None) -> list[ProgramTemplate]:
    """The shipped templates, written in `language` (the active one when not given; English where a text lacks it)."""
    language = language or get_language() or "en"
    known = {"program", "rewards", "quick_items", *(section.key for section in hooks.config_sections())}
    found = []
    for path in sorted(FOLDER.glob("*.json")):
        data = localised(json.loads(path.read_text(encoding="utf-8")), language)
        if set(data["document"]) <= known:  # a template needing a program app that is not installed is left out
            found.append(ProgramTemplate(path.stem, data["name"], data["description"], data["document"]))
    return found


def localised(value, language: str):
    """The template with each {"en": …, "vi": …} text replaced by its `language` version."""
    if isinstance(value, dict):
        if value and set(value) <= LANGUAGES and "en" in value:
            return value.get(language) or value["en"]
        return {key: localised(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [localised(item, language) for item in value]
    return value


def _scaled(value, factor: Decimal, currency: str):
    if isinstance(value, dict):
        return {
            k: (
                _scale_money(v, factor, currency) if k in MONEY_KEYS and v is not None else _scaled(v, factor, currency)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scaled(v, factor, currency) for v in value]
    return value


def _scale_money(value: str, factor: Decimal, currency: str) -> str:
    scaled = (Decimal(value) * factor).quantize(quantum(currency), rounding=ROUND_HALF_UP)
    if Decimal(value) > 0 and scaled <= 0:
        scaled = quantum(currency)
    return f"{scaled:f}"


def program_template_apply(*, shop: Shop, code: str) -> Shop:
    """Replace the shop's program and catalogue with a template's, keeping the merchant section as it is."""
    template = next((t for t in program_templates(shop.language) if t.code == code), None)
    if template is None:
        raise KeyError(code)
    factor = COFFEE_PRICE.get(shop.currency, COFFEE_PRICE["USD"]) / COFFEE_PRICE["VND"]
    document = _scaled(template.document, factor, shop.currency) if shop.currency != "VND" else template.document
    current = config_export(shop)
    kept = {key: current["program"][key] for key in KEPT_NAMES if key in current.get("program", {})}
    document = {**document, "program": {**document["program"], **kept}}
    if "points_name_one" not in kept:
        document["program"].pop("points_name_one", None)  # one of the shop's points is named as the shop names them
    return config_import({"merchant": current["merchant"], **document}, update=True)


def program_summary(shop: Shop, locale: str = "en") -> list[str]:
    """The program in plain sentences, for the owner's program page."""
    program = shop.program
    money = lambda amount: format_money(amount, shop.currency, locale)  # noqa: E731
    names = reward_names(shop)
    lines = [
        _("Members earn %(points)s for every %(amount)s spent.")
        % {"points": points_phrase(program.earn_points, program), "amount": money(program.earn_per_amount)}
    ]
    if program.min_spend:
        lines.append(_("Purchases under %(amount)s earn nothing.") % {"amount": money(program.min_spend)})
    if program.exclude_categories:
        lines.append(_("These categories earn nothing: %(list)s.") % {"list": ", ".join(program.exclude_categories)})
    if program.point_value:
        lines.append(
            _("Each %(unit)s is worth %(amount)s when paying with them.")
            % {"unit": points_unit(program, 1), "amount": money(program.point_value)}
        )
    if program.pending_days:
        lines.append(
            ngettext(
                "Points become spendable %(n)s day after the purchase.",
                "Points become spendable %(n)s days after the purchase.",
                program.pending_days,
            )
            % {"n": program.pending_days}
        )
    lines.append(_expiry_sentence(program))
    lines.extend(
        _("%(name)s: ×%(m)s") % {"name": c.name, "m": f"{c.multiplier.normalize():f}"} for c in program.campaigns.all()
    )
    lines.extend(
        _("Items in the category “%(category)s” earn ×%(m)s")
        % {"category": m.category, "m": f"{m.multiplier.normalize():f}"}
        for m in program.category_multipliers.all()
    )
    lines.extend(
        _("Bonus for %(event)s: %(points)s")
        % {"event": event_name(b.event), "points": points_phrase(b.points, program)}
        for b in program.bonuses.all()
    )
    for level in program.tiers.order_by("threshold"):
        lines.append(
            _("Tier %(name)s from %(threshold)s (×%(m)s, %(discount)s%% off)")
            % {
                "name": level.name,
                "threshold": basis_phrase(program, level.threshold, shop.currency),
                "m": f"{level.multiplier.normalize():f}",
                "discount": f"{level.discount_percent.normalize():f}",
            }
        )
    for card in program.stamp_cards.all():
        reward = names.get(card.reward_code) if card.reward_code else None
        lines.append(
            ngettext(
                "%(name)s: %(n)s stamp gives %(reward)s", "%(name)s: %(n)s stamps give %(reward)s", card.stamps_required
            )
            % {"name": card.name, "n": card.stamps_required, "reward": reward or _("a completed card")}
        )
    if program.cashback_percent:
        lines.append(
            _("%(p)s%% cashback into the member's wallet") % {"p": f"{program.cashback_percent.normalize():f}"}
        )
    return lines


def program_sentence(shop: Shop, locale: str = "en") -> str:
    """The program in one sentence for customers (the shop's poster): what they collect when they buy."""
    program = getattr(shop, "program", None)  # none yet while the shop is being set up
    if program is None:
        return _("Join to collect rewards every time you visit.")
    values = {
        "points": points_phrase(program.earn_points, program),
        "amount": format_money(program.earn_per_amount, shop.currency, locale),
        "percent": f"{program.cashback_percent.normalize():f}",
    }
    stamp_card = program.stamp_cards.order_by("pk").first()
    if stamp_card:
        values["stamps"] = stamp_card.stamps_required
    if program.cashback_percent and program.earn_points:
        return _("Get %(percent)s%% of every purchase back and %(points)s for every %(amount)s you spend.") % (values)
    if program.cashback_percent:
        return _("Get %(percent)s%% of every purchase back to spend on your next visit.") % values
    if program.earn_points and stamp_card:
        return _("Earn %(points)s for every %(amount)s you spend, and a reward for every %(stamps)s stamps.") % values
    if program.earn_points:
        return _("Earn %(points)s for every %(amount)s you spend and swap them for rewards.") % values
    if stamp_card:
        return _("Collect a stamp with every purchase: %(stamps)s stamps earn a reward.") % values
    return _("Join to collect rewards every time you visit.")


def _expiry_sentence(program) -> str:
    if program.expiry_policy == ExpiryPolicy.DAYS_AFTER_EARN:
        return _("Points expire %(n)s days after they are earned.") % {"n": program.expiry_days}
    if program.expiry_policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
        return _("Points expire at the start of the month %(n)s months after the month they were earned.") % {
            "n": program.expiry_months
        }
    if program.expiry_policy == ExpiryPolicy.INACTIVITY:
        return _("All points expire after %(n)s days without a purchase.") % {"n": program.expiry_days}
    return _("Points never expire.")
