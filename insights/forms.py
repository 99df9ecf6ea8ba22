"""The insights pages' forms: they check what people type and hand it to the report and the services."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import Location
from rewards.models import Reward

from .models import Match, RfmSegment, Segment
from .report import MAX_DAYS, last_days


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("The day after the last one.")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.none(), required=False, empty_label=_("The whole shop")
    )

    def __init__(self, data=None, *, shop, **kwargs):
        start, end = last_days(shop, 30)
        super().__init__(data, initial={"start": start, "end": end}, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(shop=shop)
        self.defaults = (start, end)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("Choose a day after the first one."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error("end", _("At most three years at a time."))
        return cleaned


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    match = forms.ChoiceField(label=_("Members who match"), choices=Match.choices, initial=Match.ALL)
    rules = forms.CharField(
        label=_("Rules"),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr"}),
        help_text=_(
            'One rule a line, as JSON: {"field": "visits", "op": "gte", "value": 3}. Fields: tier, last_visit_days, '
            "visits, spend, birthday_month, location, rfm, consent (see the list below)."
        ),
    )

    def clean_rules(self):
        rules = []
        for number, line in enumerate(self.cleaned_data["rules"].splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rules.append(json.loads(line))
            except json.JSONDecodeError:
                raise forms.ValidationError(_("Line %(n)s is not JSON.") % {"n": number}) from None
        return rules


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    audience = forms.ChoiceField(label=_("Segment"))
    send_at = forms.DateTimeField(
        label=_("Send at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), required=False,
        help_text=_("Empty: now. Messages wait for the morning during quiet hours (21:00–08:00)."),
    )  # fmt: skip
    holdout_percent = forms.IntegerField(
        label=_("Holdout share (%)"), min_value=0, max_value=90, initial=10,
        help_text=_("Drawn at random and recorded; they get nothing, so the lift can be measured against them."),
    )  # fmt: skip
    points = forms.IntegerField(label=_("Points to give"), min_value=0, initial=0, required=False)
    reward = forms.ModelChoiceField(
        label=_("Voucher to give"), queryset=Reward.objects.none(), required=False, empty_label=_("None")
    )
    reason = forms.CharField(label=_("Why the points or the voucher"), max_length=500, required=False)

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        segments = [(f"custom:{s.pk}", s.name) for s in Segment.objects.filter(shop=shop)]
        self.fields["audience"].choices = [(f"rfm:{code}", label) for code, label in RfmSegment.choices] + segments
        self.fields["reward"].queryset = Reward.objects.filter(shop=shop, active=True)
        self.languages = [code for code, _name in settings.LANGUAGES]
        for code, language in settings.LANGUAGES:
            required_hint = _("required for a message") if code == shop.language else _("optional")
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": language}, max_length=200, required=False,
                help_text=required_hint,
            )  # fmt: skip
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message (%(language)s)") % {"language": language}, max_length=2000, required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )  # fmt: skip

    def clean_send_at(self):
        return self.cleaned_data["send_at"] or timezone.now()

    def texts(self) -> dict:
        data = self.cleaned_data
        return {code: {"subject": data[f"subject_{code}"], "body": data[f"body_{code}"]} for code in self.languages}

    def audience_of(self, shop) -> dict:
        kind, _sep, value = self.cleaned_data["audience"].partition(":")
        if kind == "rfm":
            return {"rfm_segment": value, "segment": None}
        return {"rfm_segment": "", "segment": Segment.objects.get(shop=shop, pk=int(value))}
