"""The portal's membership tables (loyalty.portal.tables.PortalTable): plans with their members and revenue, and
a plan's subscribers; each exports the CSV of what it shows, money in plain decimals."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from loyalty.money import format_money, money_str
from loyalty.portal.tables import PortalTable

from .models import Status

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class PlanTable(PortalTable):
    name = tables.TemplateColumn(template_name="memberships/portal/plans.html#name-cell", verbose_name=_("Plan"))
    code = tables.Column(verbose_name=_("Code"))
    period = tables.Column(verbose_name=_("Period"))
    members = tables.Column(verbose_name=_("Members now"), attrs=NUMBER, orderable=False)
    in_grace = tables.Column(verbose_name=_("Of them in grace"), attrs=NUMBER, orderable=False)
    ended = tables.Column(verbose_name=_("Ended"), attrs=NUMBER, orderable=False)
    revenue = tables.Column(verbose_name=_("Revenue kept"), attrs=NUMBER, orderable=False)
    active = tables.BooleanColumn(verbose_name=_("On sale"))

    class Meta(PortalTable.Meta):
        empty_text = _("No plans yet.")

    def __init__(self, data, *, currency: str, locale: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency, self.locale = currency, locale

    def render_revenue(self, value):
        return format_money(value, self.currency, self.locale)

    def value_revenue(self, value):
        return money_str(value, self.currency)

    def value_name(self, record) -> str:
        return record.name


class SubscriberTable(PortalTable):
    member = tables.TemplateColumn(
        template_name="memberships/portal/plan.html#member-cell", verbose_name=_("Member"), order_by="member__name"
    )
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    started_at = tables.Column(verbose_name=_("Member since"))
    ends_at = tables.Column(verbose_name=_("Paid until"))

    class Meta(PortalTable.Meta):
        empty_text = _("Nobody has this plan yet.")

    def __init__(self, data, *, at, **kwargs):
        super().__init__(data, **kwargs)
        self.at = at

    def render_status(self, record):
        return Status(record.status_at(self.at)).label

    def render_started_at(self, value):
        return localtime(value).strftime("%Y-%m-%d")

    def render_ends_at(self, value):
        return localtime(value).strftime("%Y-%m-%d")

    def value_member(self, record) -> str:
        return record.member.name or record.member.phone
