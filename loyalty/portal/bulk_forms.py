"""The forms of the members table's bulk actions and of a merge."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rewards.models import Reward

from .models import BulkKind

EXPORT = "export"
ACTIONS = [*BulkKind.choices, (EXPORT, _("Download as CSV"))]
MAX_IDS = 1000  # a page's worth of checkboxes, many times over; "all matching the filter" is for more


class SelectionForm(forms.Form):
    """Which members: the ticked rows, or every member matching the filter (its query string)."""

    action = forms.ChoiceField(label=_("With the selected members"), choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all = forms.BooleanField(label=_("Every member matching the filter"), required=False)
    filter = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(value, value) for value in (self.data.getlist("ids") if self.data else [])]

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(_("Too many members ticked; select every member matching the filter instead."))
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("all") and not data.get("ids"):
            raise forms.ValidationError(_("Tick the members first, or select every member matching the filter."))
        return data


class BulkForm(forms.Form):
    """What to give: the confirmation page's fields (its key makes a double submit do nothing twice)."""

    key = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=1_000_000, required=False)
    reward = forms.ModelChoiceField(label=_("Reward"), queryset=Reward.objects.none(), required=False)
    tag = forms.CharField(label=_("Tag"), max_length=50, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, help_text=_("Kept with each member's points or voucher.")
    )

    def __init__(self, *args, shop, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["reward"].queryset = Reward.objects.filter(shop=shop, active=True).order_by("name")
        wanted = {BulkKind.POINTS: ("points", "reason"), BulkKind.VOUCHER: ("reward", "reason"), BulkKind.TAG: ("tag",)}
        for name in ("points", "reward", "tag", "reason"):
            if name not in wanted[kind]:
                del self.fields[name]
            else:
                self.fields[name].required = True


class MergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the duplicate"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Phone, name or card number")}),
    )
