"""The shop's purchases, ledger entries and vouchers as tables (search, filters, sorting, a bounded count, CSV):
their queries, filters and tables. Each starts from the shop (rule 4) and costs a fixed number of queries."""

from __future__ import annotations

from datetime import datetime, time

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models import EntryKind, LedgerEntry, Location, Member, Purchase
from loyalty.selectors import entries_as_read
from rewards.models import Reward, Voucher, VoucherStatus

from .queries import member_search
from .tables import LedgerTable, PortalTable, PurchaseTable

# ---------------------------------------------------------------- queries


def shop_purchases(shop):
    return Purchase.objects.filter(shop=shop).select_related("member", "location")


def shop_entries(shop):
    """The entries the shop made, each with the name and id of the account's member in this shop."""
    member = Member.objects.filter(account_id=OuterRef("account_id"), shop=shop).order_by("merged_into", "-pk")
    return entries_as_read(
        LedgerEntry.objects.filter(shop=shop)
        .select_related("staff", "api_key")
        .annotate(member_id=Subquery(member.values("pk")[:1]), member_name=Subquery(member.values("name")[:1]))
    )


def shop_vouchers(shop):
    return Voucher.objects.filter(shop=shop).select_related("member", "reward")


# ---------------------------------------------------------------- filters

DATE = forms.DateInput(attrs={"type": "date"})


class PeriodFilter(django_filters.FilterSet):
    """A search over the rows' members and a period (the shop's days, both ends included)."""

    moment = "occurred_at"
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Member's phone, name or card")}),
    )
    since = django_filters.DateFilter(label=_("From"), method="from_day", widget=DATE)
    until = django_filters.DateFilter(label=_("Until"), method="until_day", widget=DATE)

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, **kwargs)
        self.shop = shop

    def members(self, value):
        return member_search(Member.objects.filter(shop=self.shop), self.shop, value).values("pk")

    def search(self, queryset, name, value):
        return queryset.filter(member__in=self.members(value))

    def _day(self, day, at: time) -> datetime:
        return timezone.make_aware(datetime.combine(day, at), self.shop.tz)

    def from_day(self, queryset, name, value):
        return queryset.filter(**{f"{self.moment}__gte": self._day(value, time.min)})

    def until_day(self, queryset, name, value):
        return queryset.filter(**{f"{self.moment}__lte": self._day(value, time.max)})


class PurchaseFilter(PeriodFilter):
    location = django_filters.ModelChoiceFilter(
        label=_("Location"), queryset=Location.objects.none(), empty_label=_("Every location")
    )
    refunded = django_filters.BooleanFilter(
        label=_("Refunds"),
        method="with_refunds",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Refunded")), ("false", _("Not refunded"))]),
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, shop=shop, **kwargs)
        self.filters["location"].queryset = Location.objects.filter(shop=shop)

    def search(self, queryset, name, value):
        return queryset.filter(Q(external_id=value.strip()) | Q(member__in=self.members(value)))

    def with_refunds(self, queryset, name, value):
        return queryset.filter(refunded_amount__gt=0) if value else queryset.filter(refunded_amount=0)


class EntryFilter(PeriodFilter):
    kind = django_filters.ChoiceFilter(label=_("What"), choices=EntryKind.choices, empty_label=_("Everything"))

    def search(self, queryset, name, value):
        accounts = Member.objects.filter(pk__in=self.members(value)).values("account_id")
        return queryset.filter(account_id__in=accounts)


class VoucherFilter(PeriodFilter):
    moment = "issued_at"
    status = django_filters.ChoiceFilter(label=_("Status"), choices=VoucherStatus.choices, empty_label=_("Any status"))
    reward = django_filters.ModelChoiceFilter(
        label=_("Reward"), queryset=Reward.objects.none(), empty_label=_("Every reward")
    )

    def __init__(self, data=None, *, shop, **kwargs):
        super().__init__(data, shop=shop, **kwargs)
        self.filters["reward"].queryset = Reward.objects.filter(shop=shop).order_by("name")

    def search(self, queryset, name, value):
        code = value.strip().upper()
        return queryset.filter(Q(code=code) | Q(member__in=self.members(value)))


# ---------------------------------------------------------------- tables

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


def member_column(accessor: str = "member"):
    return tables.TemplateColumn(
        template_name="portal/records.html#member-cell", accessor=accessor, verbose_name=_("Member"), orderable=False
    )


class ShopPurchaseTable(PurchaseTable):
    member = member_column()

    class Meta(PurchaseTable.Meta):
        orderable = True
        order_by = ("-occurred_at",)
        sequence = ("occurred_at", "member", "...")

    def value_member(self, record) -> str:
        return record.member.name or record.member.phone if record.member_id else ""


class ShopLedgerTable(LedgerTable):
    member = member_column("member_id")

    class Meta(LedgerTable.Meta):
        orderable = True
        order_by = ("-occurred_at",)
        sequence = ("occurred_at", "member", "...")
        empty_text = _("No entries match.")

    def value_member(self, record) -> str:
        return record.member_name or ""


class VoucherTable(PortalTable):
    issued_at = tables.DateTimeColumn(verbose_name=_("Issued"), short=True)
    code = tables.Column(verbose_name=_("Code"))
    member = member_column()
    reward = tables.Column(verbose_name=_("Reward"), accessor="reward__name", order_by=("reward__name",))
    status = tables.Column(verbose_name=_("Status"))
    source = tables.Column(verbose_name=_("How"))
    points_spent = tables.Column(verbose_name=_("Points spent"), attrs=NUMBER)
    expires_at = tables.DateTimeColumn(verbose_name=_("Valid until"), short=True)
    used_at = tables.DateTimeColumn(verbose_name=_("Used"), short=True, default="—")

    class Meta(PortalTable.Meta):
        order_by = ("-issued_at",)
        empty_text = _("No vouchers match.")

    def value_member(self, record) -> str:
        return record.member.name or record.member.phone
