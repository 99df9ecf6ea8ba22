"""django-filter filters for the portal's tables (DESIGN.md rule 5). Each takes the shop, so its choices and its
search stay inside it."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty import hooks
from loyalty.models import Channel, MessageStatus, TierLevel
from loyalty.services.notifications import EVENTS

from .models import MemberTag, Tag
from .queries import member_search

LAST_VISITS = [
    ("30", _("In the last 30 days")),
    ("90", _("In the last 90 days")),
    ("-90", _("Not in the last 90 days")),
    ("-365", _("Not in the last year")),
]


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

    last_visit = django_filters.ChoiceFilter(
        label=_("Last visit"), choices=LAST_VISITS, method="visited", empty_label=_("Any time")
    )
    points_min = django_filters.NumberFilter(
        label=_("Points from"), field_name="account__points_balance", lookup_expr="gte"
    )
    points_max = django_filters.NumberFilter(
        label=_("Points up to"), field_name="account__points_balance", lookup_expr="lte"
    )
    consent = django_filters.BooleanFilter(
        label=_("Marketing consent"),
        field_name="marketing_consent",
        widget=forms.Select(choices=[("", _("Either")), ("true", _("Agreed")), ("false", _("Not agreed"))]),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"), queryset=Tag.objects.none(), method="tagged", empty_label=_("Any tag")
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.shop = shop
        self.filters["tier"].queryset = shop.program.tiers.order_by("threshold")
        self.filters["tag"].queryset = Tag.objects.filter(shop=shop)
        self.app_filters = []
        for registered in hooks.member_filters():  # the program apps' (a segment, a membership plan)
            choices = registered.choices(shop)
            if not choices:
                continue
            self.filters[registered.key] = django_filters.ChoiceFilter(
                label=registered.label, choices=choices, method=self.app_filter(registered), empty_label=_("Any")
            )
            self.app_filters.append(registered.key)

    def app_filter(self, registered):
        def method(queryset, name, value):
            return queryset.filter(registered.condition(self.shop, value, timezone.now()))

        return method

    def tagged(self, queryset, name, value):
        return queryset.filter(pk__in=MemberTag.objects.filter(tag=value).values("member_id"))

    def search(self, queryset, name, value):
        return member_search(queryset, self.shop, value)

    def visited(self, queryset, name, value):
        """ "30": visited in the last 30 days; "-90": not in the last 90 days (or never)."""
        days = int(value)
        since = timezone.now() - timedelta(days=abs(days))
        if days > 0:
            return queryset.filter(account__last_purchase_at__gte=since)
        return queryset.filter(Q(account__last_purchase_at__lt=since) | Q(account__last_purchase_at__isnull=True))


class MessageFilter(django_filters.FilterSet):
    """The message log: by status, event and channel (the queryset is already the shop's)."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=MessageStatus.choices, empty_label=_("Any status"))
    event = django_filters.ChoiceFilter(label=_("Message"), choices=(), empty_label=_("Every message"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("Every channel"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.filters["event"].extra["choices"] = [(name, event.label) for name, event in EVENTS.items()]
