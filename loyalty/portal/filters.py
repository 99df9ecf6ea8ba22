"""django-filter filters for the portal's tables (DESIGN.md rule 5). Each takes the shop, so its choices and its
search stay inside it."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import TierLevel

from .queries import member_search


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Phone, name or card number"), "autocomplete": "off"}
        ),
    )
    tier = django_filters.ModelChoiceFilter(
        label=_("Tier"), queryset=TierLevel.objects.none(), field_name="account__tier", empty_label=_("Every tier")
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.shop = shop
        self.filters["tier"].queryset = shop.program.tiers.order_by("threshold")

    def search(self, queryset, name, value):
        return member_search(queryset, self.shop, value)
