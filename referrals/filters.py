"""django-filter filters of the portal's referral table; the referrer's choices stay inside the shop."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Member

from .models import Status


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("Any status"))
    referrer = django_filters.ModelChoiceFilter(
        label=_("Referrer"), queryset=Member.objects.none(), empty_label=_("Every referrer")
    )
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["referrer"].queryset = Member.objects.filter(shop=shop, referrals_made__isnull=False).distinct()
