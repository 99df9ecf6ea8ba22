"""Forms of the partner pages and the portal: they check what people type and hand it to the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Partner, PayoutMethod, Plan, PlanKind

PAYOUT_FIELDS = ("payout_method", "bank_bin", "bank_account", "account_name", "payout_details")


class PayoutDetailsForm(forms.Form):
    payout_method = forms.ChoiceField(label=_("How to pay"), choices=PayoutMethod.choices)
    bank_bin = forms.RegexField(
        label=_("Bank BIN"),
        regex=r"^\d{6}$",
        required=False,
        help_text=_(
            "Vietnamese banks: the bank's six-digit NAPAS code (Vietcombank 970436, …), for a VietQR transfer."
        ),
        error_messages={"invalid": _("Six digits.")},
    )
    bank_account = forms.CharField(label=_("Account number"), max_length=19, required=False)
    account_name = forms.CharField(label=_("Account holder"), max_length=100, required=False)
    payout_details = forms.CharField(
        label=_("Other payment details"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where VietQR does not apply: the bank, IBAN or card details to pay to."),
    )

    def __init__(self, data=None, *, instance: Partner | None = None, **kwargs):
        initial = {name: getattr(instance, name) for name in PAYOUT_FIELDS} if instance else None
        super().__init__(data, initial=initial, **kwargs)


class PartnerForm(PayoutDetailsForm):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("What customers type and the partner's link carries.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none(), empty_label=None)
    email = forms.EmailField(label=_("Email"), required=False, help_text=_("The partner signs in with it."))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    field_order = ["code", "name", "plan", "email", "phone", *PAYOUT_FIELDS]

    def __init__(self, data=None, *, shop, instance: Partner | None = None, **kwargs):
        super().__init__(data, instance=instance, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(shop=shop, active=True)
        if instance is not None:
            self.initial.update({"code": instance.code, "name": instance.name, "plan": instance.plan_id})
            self.initial.update({"email": instance.email, "phone": instance.phone})


class PlanForm(forms.Form):
    code = forms.RegexField(label=_("Code"), regex=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$", max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Pays on"), choices=PlanKind.choices)
    percent = forms.DecimalField(label=_("Percent of what the customer paid"), min_value=0, max_value=100)
    months = forms.IntegerField(
        label=_("For how many months"),
        min_value=1,
        required=False,
        help_text=_("Every purchase plans: empty is for life."),
    )
    hold_days = forms.IntegerField(
        label=_("Held for days"), min_value=0, help_text=_("After the sale, before it can be paid (the refund window).")
    )
    min_payout = forms.DecimalField(label=_("Smallest payout"), min_value=0, initial=Decimal(0))
    cookie_days = forms.IntegerField(label=_("The link remembers the partner for days"), min_value=1, initial=30)
    levels = forms.CharField(
        label=_("Higher rates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "5 30\n10 35"}),
        # xgettext:no-python-format
        help_text=_("One per line: from which sale of the month, then the percent (“5 30”: 30% from the 5th sale)."),
    )

    def __init__(self, data=None, *, instance: Plan | None = None, **kwargs):
        super().__init__(data, **kwargs)
        if instance is not None:
            self.initial = {name: getattr(instance, name) for name in self.fields if name != "levels"}
            self.initial["levels"] = "\n".join(f"{level['sales']} {level['percent']}" for level in instance.levels)

    def clean_levels(self) -> list[dict]:
        levels = []
        for number, line in enumerate(self.cleaned_data["levels"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[0].isdigit():
                raise forms.ValidationError(_("Line %(n)s: a sale number and a percent, like “5 30”.") % {"n": number})
            levels.append({"sales": int(parts[0]), "percent": parts[1]})
        return levels


class ApproveForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none(), empty_label=None)
    code = forms.CharField(label=_("Code"), max_length=40, required=False, help_text=_("Empty: made from their name."))

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(shop=shop, active=True)


class PaidForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=200, help_text=_("The bank transfer's number, or how it was paid.")
    )
