"""The campaigns editor: multipliers with a date window, weekdays, hours and restrictions, and a month calendar
showing on which days each applies (drawn from the draft, so it follows the form as the owner types)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from loyalty.models.purchases import PaymentMethod

from .rows import RowForm, RowsForm, codes_list, codes_text

WEEKDAY_CHOICES = [(day + 1, WEEKDAYS_ABBR[day]) for day in range(7)]  # ISO: Monday 1 … Sunday 7


class CampaignRow(RowForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"), max_length=60, required=False, help_text=_("Empty: made from the name."),
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use small letters, digits and dashes."))],
    )  # fmt: skip
    multiplier = forms.DecimalField(label=_("Multiplier"), min_value=Decimal("0"), max_digits=8, decimal_places=4)
    starts = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(
        label=_("Until (not included)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=WEEKDAY_CHOICES, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    hour_from = forms.TimeField(label=_("From (time)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    hour_to = forms.TimeField(label=_("To (time)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    categories = forms.CharField(label=_("Only these categories"), required=False, help_text=_("Separated by commas."))
    tiers = forms.MultipleChoiceField(label=_("Only these tiers"), required=False, widget=forms.CheckboxSelectMultiple)
    payment_methods = forms.MultipleChoiceField(
        label=_("Only these payment methods"),
        choices=PaymentMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, tier_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tiers"].choices = list(tier_choices)

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("Must be after the first day."))
        if bool(data.get("hour_from")) != bool(data.get("hour_to")):
            self.add_error("hour_to", _("Give both times, or neither."))
        elif data.get("hour_from") and data["hour_from"] >= data["hour_to"]:
            self.add_error("hour_to", _("Must be after the start time."))
        return data

    @classmethod
    def initial_from(cls, row: dict) -> dict:
        hours = row.get("hours") or ["", ""]
        return {
            "name": row["name"],
            "code": row["code"],
            "multiplier": row["multiplier"],
            "starts": row.get("starts"),
            "ends": row.get("ends"),
            "weekdays": row.get("weekdays", []),
            "hour_from": hours[0],
            "hour_to": hours[1],
            "categories": codes_text(row.get("categories", [])),
            "tiers": row.get("tiers", []),
            "payment_methods": row.get("payment_methods", []),
        }

    def to_document(self, currency: str) -> dict:
        data = self.cleaned_data
        row = {
            "code": data["code"] or slugify(data["name"])[:60] or "campaign",
            "name": data["name"],
            "multiplier": f"{data['multiplier'].normalize():f}",
            "weekdays": sorted(data["weekdays"]),
            "hours": [data["hour_from"].strftime("%H:%M"), data["hour_to"].strftime("%H:%M")]
            if data.get("hour_from")
            else [],
            "categories": codes_list(data["categories"]),
            "tiers": list(data["tiers"]),
            "locations": [],
            "payment_methods": list(data["payment_methods"]),
        }
        for name in ("starts", "ends"):
            if data.get(name):
                row[name] = data[name].isoformat()
        return row


class CampaignsForm(RowsForm):
    row_form = CampaignRow
    row_name = _("Campaign")

    def __init__(self, data=None, *, initial=None, currency: str, **kwargs):
        self.tier_choices = (initial or {}).get("tier_choices", [])
        initial = {k: v for k, v in (initial or {}).items() if k != "tier_choices"}
        super().__init__(data, initial=initial, currency=currency, **kwargs)

    def row_kwargs(self) -> dict:
        return {"tier_choices": self.tier_choices}

    @classmethod
    def initial_from(cls, document: dict) -> dict:
        program = document.get("program", {})
        levels = (program.get("tiers") or {}).get("levels", [])
        return {
            "rows": [CampaignRow.initial_from(row) for row in program.get("campaigns", [])],
            "tier_choices": [(level["code"], level["name"]) for level in levels],
        }

    def clean(self):
        data = super().clean()
        codes = [row.to_document(self.currency)["code"] for row in self.kept_rows()]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Two campaigns have the same code; give each its own."))
        return data

    def apply_to(self, document: dict) -> dict:
        document.setdefault("program", {})["campaigns"] = self.rows_document()
        return document


def month_calendar(campaigns: list[dict], month: date | None = None) -> dict:
    """The month's weeks, each day with the names of the campaigns that apply on it (by date and weekday; hours
    are shown with the name)."""
    month = (month or timezone.localdate()).replace(day=1)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        weeks.append(
            [{"day": day, "in_month": day.month == month.month, "campaigns": _on(campaigns, day)} for day in week]
        )
    return {"month": month, "weekdays": [label for _day, label in WEEKDAY_CHOICES], "weeks": weeks}


def _on(campaigns: list[dict], day: date) -> list[str]:
    found = []
    for campaign in campaigns:
        starts, ends = campaign.get("starts"), campaign.get("ends")
        if starts and day < date.fromisoformat(starts) or ends and day >= date.fromisoformat(ends):
            continue
        if campaign.get("weekdays") and day.isoweekday() not in campaign["weekdays"]:
            continue
        hours = campaign.get("hours")
        found.append(f"{campaign['name']} ×{campaign['multiplier']}" + (f" {hours[0]}–{hours[1]}" if hours else ""))
    return found
