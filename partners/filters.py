"""django-filter filters of the portal's partner tables; each takes the shop, so its choices stay inside it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import CommissionKind, CommissionStatus, Partner, PayoutStatus, Plan


def _partners_of(shop):
    return Partner.objects.filter(shop=shop).order_by("name")


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, code or email")}),
    )
    plan = django_filters.ModelChoiceFilter(label=_("Plan"), queryset=Plan.objects.none(), empty_label=_("Every plan"))
    active = django_filters.BooleanFilter(label=_("Active"))

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["plan"].queryset = Plan.objects.filter(shop=shop)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(email__icontains=value))


class CommissionFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("Every partner")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CommissionStatus.choices, empty_label=_("Any status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("What"), choices=CommissionKind.choices, empty_label=_("Sales and refunds")
    )
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="occurred_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="occurred_at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["partner"].queryset = _partners_of(shop)


class PayoutFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("Every partner")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PayoutStatus.choices, empty_label=_("Any status"))

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["partner"].queryset = _partners_of(shop)
