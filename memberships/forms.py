"""Forms of the counter's membership sale and the portal's plans: they check what people type and hand it to the
services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.counter.forms import IdempotentForm

from .models import PaymentMethod, Period

COUNTER_METHODS = [(m.value, m.label) for m in (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER)]


class SellForm(IdempotentForm):
    """A membership sold or renewed at the counter: the plan, the price the cashier was shown (a price that changed
    since is refused), how it was paid, its reference, and optionally points towards the price."""

    prefix_ids = "membership"
    plan = forms.CharField(max_length=60, widget=forms.HiddenInput)
    price = forms.DecimalField(max_digits=16, decimal_places=4, min_value=0, widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("Paid by"), choices=COUNTER_METHODS, initial=PaymentMethod.CASH)
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=200,
        required=False,
        help_text=_("The card slip or bank transfer's reference, if there is one."),
    )
    points = forms.IntegerField(
        label=_("Points towards the price"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )


class PackSellForm(IdempotentForm):
    """A prepaid pack sold at the counter, at its price (points may pay part of it)."""

    prefix_ids = "pack"
    pack = forms.CharField(max_length=60, widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("Paid by"), choices=COUNTER_METHODS, initial=PaymentMethod.CASH)
    reference = forms.CharField(label=_("Payment reference"), max_length=200, required=False)
    points = forms.IntegerField(
        label=_("Points towards the price"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )


class CancelForm(IdempotentForm):
    prefix_ids = "membership-cancel"
    how = forms.ChoiceField(
        label=_("Cancel"),
        choices=[
            ("period_end", _("At the end of the period (benefits until then)")),
            ("refund", _("Now, refunding the unused time")),
        ],
        widget=forms.RadioSelect,
        initial="period_end",
    )


class PlanForm(forms.Form):
    """A plan's terms in the portal. Price rules stay in the configuration file; the default price is edited here."""

    name = forms.CharField(label=_("Name"), max_length=200)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    price = forms.DecimalField(label=_("Price"), max_digits=16, decimal_places=4, min_value=0)
    trial_days = forms.IntegerField(label=_("Free trial (days)"), min_value=0, max_value=365, initial=0)
    grace_days = forms.IntegerField(label=_("Grace (days)"), min_value=0, max_value=365, initial=0)
    discount_percent = forms.DecimalField(
        label=_("Member discount (%)"), min_value=0, max_value=100, max_digits=7, decimal_places=4, initial=0
    )
    points_multiplier = forms.DecimalField(
        label=_("Points multiplier"), min_value=0, max_value=100, max_digits=8, decimal_places=4, initial=1
    )
    free_delivery = forms.BooleanField(label=_("Free delivery"), required=False)
    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)
