"""The portal's coalition forms: they check what owners type and hand it to the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.money import MoneyError, parse_money

PERIOD_CHOICES = [("month", _("Every calendar month"))]


class TermsForm(forms.Form):
    """The two prices of a point, in the shop's (and so the coalition's) currency, to its minor units."""

    cost_per_point = forms.DecimalField(
        label=_("Cost per point issued"),
        max_digits=16,
        decimal_places=4,
        min_value=0,
        help_text=_("What the shop pays into the coalition's pool for each point it gives its customers."),
    )
    reimbursement_per_point = forms.DecimalField(
        label=_("Reimbursement per point redeemed"),
        max_digits=16,
        decimal_places=4,
        min_value=0,
        help_text=_("What the pool pays the shop for each point its customers spend there."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def _money(self, name: str):
        value = self.cleaned_data[name]
        try:
            return parse_money(value, self.currency)
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_cost_per_point(self):
        return self._money("cost_per_point")

    def clean_reimbursement_per_point(self):
        return self._money("reimbursement_per_point")


class CoalitionForm(TermsForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    points_name = forms.CharField(
        label=_("Name of the points"), max_length=40, initial="points", help_text=_("hearts, stars, beans…")
    )
    settlement_period = forms.ChoiceField(label=_("Settlement"), choices=PERIOD_CHOICES, initial="month")

    field_order = ["name", "points_name", "settlement_period", "cost_per_point", "reimbursement_per_point"]


class InviteForm(TermsForm):
    shop = forms.CharField(
        label=_("Shop"),
        max_length=254,
        help_text=_("The shop's address name (its slug, as in /j/slug/) or its owner's email."),
    )

    field_order = ["shop", "cost_per_point", "reimbursement_per_point"]


class NoticeForm(forms.Form):
    leaves_on = forms.DateField(
        label=_("Leaving day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Your shop leaves at the start of this day."),
    )
