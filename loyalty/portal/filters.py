"""django-filter filters for the portal's tables (DESIGN.md rule 5). Each takes the shop, so its choices and its
search stay inside it."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Channel, MessageStatus, TierLevel
from loyalty.services.notifications import EVENTS

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


class MessageFilter(django_filters.FilterSet):
    """The message log: by status, event and channel (the queryset is already the shop's)."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=MessageStatus.choices, empty_label=_("Any status"))
    event = django_filters.ChoiceFilter(label=_("Message"), choices=(), empty_label=_("Every message"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("Every channel"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["event"].extra["choices"] = [(name, event.label) for name, event in EVENTS.items()]
