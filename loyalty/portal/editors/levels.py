"""The tiers editor (levels with thresholds, multipliers and discounts; the basis, window and grace) and the
stamp cards editor (stamps required, per visit or item, categories, minimum spend, cooldown, the reward)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from loyalty.models.programs import StampPer, TierBasis, TierWindow
from loyalty.money import minor_units

from .base import money
from .rows import RowForm, RowsForm, codes_list, codes_text

CODE = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use small letters, digits and dashes."))


def _code(data: dict, fallback: str) -> str:
    return data.get("code") or slugify(data["name"])[:60] or fallback


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


class LevelRow(RowForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=60, required=False, validators=[CODE])
    threshold = forms.DecimalField(label=_("From"), min_value=0, max_digits=16, decimal_places=4)
    multiplier = forms.DecimalField(label=_("Points ×"), min_value=0, max_digits=8, decimal_places=4, initial=1)
    discount_percent = forms.DecimalField(
        label=_("Discount %"), min_value=0, max_value=100, max_digits=7, decimal_places=4, initial=0
    )

    @classmethod
    def initial_from(cls, row: dict) -> dict:
        return {key: row.get(key) for key in ("name", "code", "threshold", "multiplier", "discount_percent")}

    def to_document(self, currency: str, *, basis: str = TierBasis.POINTS_EARNED) -> dict:
        data = self.cleaned_data
        threshold = money(data["threshold"], currency) if basis == TierBasis.AMOUNT_SPENT else int(data["threshold"])
        return {
            "code": _code(data, "level"),
            "name": data["name"],
            "threshold": threshold,
            "multiplier": _number(data["multiplier"] if data["multiplier"] is not None else Decimal(1)),
            "discount_percent": _number(data["discount_percent"] or Decimal(0)),
        }


class TiersForm(RowsForm):
    row_form = LevelRow
    row_name = _("Level")
    basis = forms.ChoiceField(label=_("Members move up by"), choices=TierBasis.choices)
    window = forms.ChoiceField(label=_("Counted over"), choices=TierWindow.choices)
    downgrade_grace_days = forms.IntegerField(label=_("Days of grace before moving down"), min_value=0, max_value=3650)

    @classmethod
    def initial_from(cls, document: dict) -> dict:
        tiers = document.get("program", {}).get("tiers") or {}
        return {
            "basis": tiers.get("basis", TierBasis.POINTS_EARNED),
            "window": tiers.get("window", TierWindow.LIFETIME),
            "downgrade_grace_days": tiers.get("downgrade_grace_days", 0),
            "rows": [LevelRow.initial_from(level) for level in tiers.get("levels", [])],
        }

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        rows = self.kept_rows()
        for number, row in enumerate(rows, start=1):
            threshold = row.cleaned_data["threshold"]
            if basis != TierBasis.AMOUNT_SPENT and threshold != threshold.to_integral_value():
                self.add_error(None, _("Level %(n)s · From: must be a whole number.") % {"n": number})
            elif basis == TierBasis.AMOUNT_SPENT and threshold.as_tuple().exponent < -minor_units(self.currency):
                self.add_error(None, _("Level %(n)s · From: too many digits after the decimal point.") % {"n": number})
        thresholds = [row.cleaned_data["threshold"] for row in rows]
        if len(thresholds) != len(set(thresholds)):
            self.add_error(None, _("Two levels start at the same figure; give each its own."))
        if rows and 0 not in thresholds:
            self.add_error(None, _("One level must start at 0: the level new members start in."))
        return data

    def apply_to(self, document: dict) -> dict:
        program = document.setdefault("program", {})
        data = self.cleaned_data
        levels = sorted(
            (row.to_document(self.currency, basis=data["basis"]) for row in self.kept_rows()),
            key=lambda level: Decimal(str(level["threshold"])),
        )
        if levels:
            program["tiers"] = {
                "basis": data["basis"],
                "window": data["window"],
                "downgrade_grace_days": data["downgrade_grace_days"],
                "levels": levels,
            }
        else:
            program.pop("tiers", None)
        return document


class CardRow(RowForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=60, required=False, validators=[CODE])
    stamps_required = forms.IntegerField(label=_("Stamps for the reward"), min_value=1, max_value=1000)
    per = forms.ChoiceField(label=_("A stamp for"), choices=StampPer.choices)
    categories = forms.CharField(label=_("Categories"), required=False, help_text=_("Separated by commas; empty: all."))
    min_spend = forms.DecimalField(label=_("Minimum spend"), min_value=0, max_digits=16, decimal_places=4, initial=0)
    cooldown_minutes = forms.IntegerField(
        label=_("Minutes before another stamp"), min_value=0, max_value=10080, initial=0
    )
    reward = forms.ChoiceField(label=_("Reward"))

    def __init__(self, *args, reward_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].choices = [("", "—"), *reward_choices]

    @classmethod
    def initial_from(cls, row: dict) -> dict:
        return {
            **{
                key: row.get(key)
                for key in ("name", "code", "stamps_required", "per", "min_spend", "cooldown_minutes", "reward")
            },
            "categories": codes_text(row.get("categories", [])),
        }

    def to_document(self, currency: str) -> dict:
        data = self.cleaned_data
        return {
            "code": _code(data, "card"),
            "name": data["name"],
            "stamps_required": data["stamps_required"],
            "per": data["per"],
            "categories": codes_list(data["categories"]),
            "min_spend": money(data["min_spend"] or Decimal(0), currency),
            "cooldown_minutes": data["cooldown_minutes"] or 0,
            "reward": data["reward"],
        }


class StampCardsForm(RowsForm):
    row_form = CardRow
    row_name = _("Card")

    def __init__(self, data=None, *, initial=None, currency: str, **kwargs):
        self.reward_choices = (initial or {}).get("reward_choices", [])
        initial = {k: v for k, v in (initial or {}).items() if k != "reward_choices"}
        super().__init__(data, initial=initial, currency=currency, **kwargs)

    def row_kwargs(self) -> dict:
        return {"reward_choices": self.reward_choices}

    @classmethod
    def initial_from(cls, document: dict) -> dict:
        return {
            "rows": [CardRow.initial_from(card) for card in document.get("program", {}).get("stamp_cards", [])],
            "reward_choices": [(reward["code"], reward["name"]) for reward in document.get("rewards", [])],
        }

    def apply_to(self, document: dict) -> dict:
        document.setdefault("program", {})["stamp_cards"] = self.rows_document()
        return document
