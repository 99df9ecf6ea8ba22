"""The earning editor: the base rate and its rounding, the minimum spend, excluded categories, pending days, the
expiry policy, category multipliers and the event bonuses with their limits."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.labels import event_name
from loyalty.models.programs import ExpiryPolicy, LimitPeriod, Rounding
from loyalty.money import minor_units

from .base import money

BONUS_EVENTS = ("signup", "birthday", "profile_complete", "newsletter_signup", "review", "social_follow")


def categories_text(values: list[str]) -> str:
    return ", ".join(values)


def categories_list(text: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


class EarningForm(forms.Form):
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=10**6)
    per_amount = forms.DecimalField(label=_("for every (amount spent)"), min_value=Decimal("0.0001"), max_digits=16)
    rounding = forms.ChoiceField(label=_("Rounding of the total"), choices=Rounding.choices)
    min_spend = forms.DecimalField(label=_("Minimum spend"), min_value=0, max_digits=16)
    exclude_categories = forms.CharField(
        label=_("Categories that earn nothing"), required=False, help_text=_("Separated by commas: gift-card, tobacco")
    )
    pending_days = forms.IntegerField(
        label=_("Pending days"),
        min_value=0,
        max_value=365,
        help_text=_("Points from a purchase can be spent after this many days (the return window)."),
    )
    expiry_policy = forms.ChoiceField(label=_("When points expire"), choices=ExpiryPolicy.choices)
    expiry_days = forms.IntegerField(label=_("Days"), min_value=1, max_value=3650, required=False)
    expiry_months = forms.IntegerField(label=_("Months"), min_value=1, max_value=120, required=False)
    multipliers = forms.CharField(
        label=_("Category multipliers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: a category and its multiplier, for example “beans 3”."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        for name in ("per_amount", "min_spend"):
            self.fields[name].validators.append(_no_more_digits(minor_units(currency)))
        for event in BONUS_EVENTS:
            label = event_name(event).capitalize()
            self.fields[f"bonus_{event}"] = forms.IntegerField(
                label=_("Bonus: %(event)s") % {"event": label}, min_value=0, max_value=10**6, required=False
            )
            self.fields[f"bonus_{event}_count"] = forms.IntegerField(
                label=_("at most (times)"), min_value=1, max_value=1000, required=False
            )
            self.fields[f"bonus_{event}_per"] = forms.ChoiceField(
                label=_("per"),
                choices=[("", _("— (once; a birthday once a year)"))] + list(LimitPeriod.choices),
                required=False,
            )

    def bonus_names(self) -> list[tuple]:
        return [(self[f"bonus_{e}"], self[f"bonus_{e}_count"], self[f"bonus_{e}_per"]) for e in BONUS_EVENTS]

    def clean_multipliers(self) -> list[dict]:
        found = []
        for number, line in enumerate((self.cleaned_data.get("multipliers") or "").splitlines(), start=1):
            parts = line.replace("×", " ").replace("x ", " ").split()
            if not parts:
                continue
            try:
                category, multiplier = " ".join(parts[:-1]), Decimal(parts[-1])
            except (ArithmeticError, ValueError):
                category, multiplier = "", None
            if not category or multiplier is None or not multiplier.is_finite() or multiplier <= 0:
                raise forms.ValidationError(
                    _("Line %(n)s: write a category and a multiplier above 0, for example “beans 3”.") % {"n": number}
                )
            found.append({"category": category, "multiplier": f"{multiplier.normalize():f}"})
        return found

    def clean(self):
        data = super().clean()
        policy = data.get("expiry_policy")
        if policy in (ExpiryPolicy.DAYS_AFTER_EARN, ExpiryPolicy.INACTIVITY) and not data.get("expiry_days"):
            self.add_error("expiry_days", _("Enter after how many days points expire."))
        if policy == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH and not data.get("expiry_months"):
            self.add_error("expiry_months", _("Enter after how many months points expire."))
        for event in BONUS_EVENTS:
            if data.get(f"bonus_{event}_per") and not data.get(f"bonus_{event}_count"):
                self.add_error(f"bonus_{event}_count", _("Enter how many times the bonus may be given."))
        return data

    # ------------------------------------------------------------ the document

    @classmethod
    def initial_from(cls, document: dict) -> dict:
        program = document.get("program", {})
        earn = program.get("earn", {})
        expiry = program.get("expiry", {"policy": "none"})
        initial = {
            "points": earn.get("points", 1),
            "per_amount": earn.get("per_amount"),
            "rounding": earn.get("rounding", "down"),
            "min_spend": earn.get("min_spend", "0"),
            "exclude_categories": categories_text(earn.get("exclude_categories", [])),
            "pending_days": program.get("pending_days", 0),
            "expiry_policy": expiry.get("policy", "none"),
            "expiry_days": expiry.get("days"),
            "expiry_months": expiry.get("months"),
            "multipliers": "\n".join(
                f"{m['category']} {m['multiplier']}" for m in program.get("category_multipliers", [])
            ),
        }
        for bonus in program.get("bonuses", []):
            if bonus["event"] in BONUS_EVENTS:
                initial[f"bonus_{bonus['event']}"] = bonus["points"]
                if bonus.get("limit"):
                    initial[f"bonus_{bonus['event']}_count"] = bonus["limit"]["count"]
                    initial[f"bonus_{bonus['event']}_per"] = bonus["limit"]["per"]
        return initial

    def apply_to(self, document: dict) -> dict:
        data, program = self.cleaned_data, document.setdefault("program", {})
        program["earn"] = {
            "per_amount": money(data["per_amount"], self.currency),
            "points": data["points"],
            "rounding": data["rounding"],
            "min_spend": money(data["min_spend"], self.currency),
            "exclude_categories": categories_list(data["exclude_categories"]),
        }
        program["pending_days"] = data["pending_days"]
        expiry = {"policy": data["expiry_policy"]}
        if data["expiry_policy"] in (ExpiryPolicy.DAYS_AFTER_EARN, ExpiryPolicy.INACTIVITY):
            expiry["days"] = data["expiry_days"]
        elif data["expiry_policy"] == ExpiryPolicy.MONTHS_AFTER_EARN_MONTH:
            expiry["months"] = data["expiry_months"]
        program["expiry"] = expiry
        program["category_multipliers"] = data["multipliers"]
        others = [b for b in program.get("bonuses", []) if b["event"] not in BONUS_EVENTS]  # the shop's own events
        program["bonuses"] = others + [self._bonus(event) for event in BONUS_EVENTS if data.get(f"bonus_{event}")]
        return document

    def _bonus(self, event: str) -> dict:
        data = self.cleaned_data
        bonus = {"event": event, "points": data[f"bonus_{event}"]}
        if data.get(f"bonus_{event}_count"):
            bonus["limit"] = {"count": data[f"bonus_{event}_count"], "per": data[f"bonus_{event}_per"] or "lifetime"}
        return bonus


def _no_more_digits(places: int):
    """The currency's minor units: 40000.5 ₫ is refused, not rounded (VND has none, USD two)."""

    def check(value: Decimal) -> None:
        if (
            value is not None
            and value.as_tuple().exponent < -places
            and value != value.quantize(Decimal(1).scaleb(-places))
        ):
            raise forms.ValidationError(
                _("Use at most %(n)s digits after the decimal point in this currency.") % {"n": places}
            )

    return check
