"""The portal's partner tables (loyalty.portal.tables.PortalTable): the partner report, commissions, payouts,
statement lines, plans and applications; each exports the CSV of what it shows, money in plain decimals."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from loyalty.money import format_money, money_str
from loyalty.portal.tables import PortalTable, actions_column

NUMBER = {"td": {"class": "number"}, "th": {"class": "number"}}


class MoneyColumn(tables.Column):
    """Money in the person's locale on the page, as a plain decimal in the CSV."""

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(**kwargs)

    def render(self, value, table):
        return format_money(value, table.currency, table.locale)

    def value(self, value, table):
        return money_str(value, table.currency)


class MoneyTable(PortalTable):
    def __init__(self, data, *, currency: str, locale: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency, self.locale = currency, locale


def when(value) -> str:
    return localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class PartnerReportTable(MoneyTable):
    name = tables.TemplateColumn(template_name="partners/portal/partners.html#name-cell", verbose_name=_("Partner"))
    code = tables.Column(verbose_name=_("Code"))
    plan = tables.Column(verbose_name=_("Plan"), accessor="plan__code")
    customers = tables.Column(verbose_name=_("Customers"), attrs=NUMBER)
    sales = MoneyColumn(verbose_name=_("Sales"))
    pending_total = MoneyColumn(verbose_name=_("Pending"))
    approved_total = MoneyColumn(verbose_name=_("Approved"))
    paid_total = MoneyColumn(verbose_name=_("Paid"))
    balance_total = MoneyColumn(verbose_name=_("Balance"))
    active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta(PortalTable.Meta):
        order_by = ("name",)
        empty_text = _("No partners yet.")

    def value_name(self, record) -> str:
        return record.name


class CommissionTable(MoneyTable):
    occurred_at = tables.DateTimeColumn(verbose_name=_("When"), short=True)
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__name")
    customer = tables.Column(verbose_name=_("Customer"), accessor="member__name", default="—")
    receipt = tables.Column(verbose_name=_("Receipt"), accessor="purchase__external_id")
    kind = tables.Column(verbose_name=_("What"))
    base = MoneyColumn(verbose_name=_("Sale"))
    percent = tables.Column(verbose_name=_("Rate"), attrs=NUMBER)
    amount = MoneyColumn(verbose_name=_("Commission"))
    status = tables.Column(verbose_name=_("Status"))
    reason = tables.Column(verbose_name=_("Why"), default="—")
    statement = tables.Column(verbose_name=_("Statement"), accessor="payout", default="—")

    class Meta(PortalTable.Meta):
        order_by = ("-occurred_at",)
        empty_text = _("No commissions match.")

    def render_percent(self, value) -> str:
        return f"{value.normalize():f}%"

    def value_percent(self, value) -> str:
        return f"{value.normalize():f}"

    def value_occurred_at(self, value) -> str:
        return when(value)

    def render_statement(self, value) -> str:
        return value.label

    def value_statement(self, value) -> str:
        return value.label if value else ""


class PayoutTable(MoneyTable):
    label = tables.TemplateColumn(
        template_name="partners/portal/payouts.html#number-cell", verbose_name=_("Statement"), order_by=("number",)
    )
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__name")
    amount = MoneyColumn(verbose_name=_("Amount"))
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Made"), short=True)
    paid_at = tables.DateTimeColumn(verbose_name=_("Paid"), short=True, default="—")
    reference = tables.Column(verbose_name=_("Reference"), default="—")

    class Meta(PortalTable.Meta):
        order_by = ("-created_at",)
        empty_text = _("No payouts match.")

    def value_label(self, record) -> str:
        return record.label

    def value_created_at(self, value) -> str:
        return when(value)

    def value_paid_at(self, value) -> str:
        return when(value)


class StatementLineTable(MoneyTable):
    occurred_at = tables.DateTimeColumn(verbose_name=_("When"), short=True)
    receipt = tables.Column(verbose_name=_("Receipt"), accessor="purchase__external_id")
    kind = tables.Column(verbose_name=_("What"))
    base = MoneyColumn(verbose_name=_("Sale"))
    amount = MoneyColumn(verbose_name=_("Commission"))

    class Meta(PortalTable.Meta):
        orderable = False

    def value_occurred_at(self, value) -> str:
        return when(value)


class PlanTable(MoneyTable):
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Name"), default="—")
    kind = tables.Column(verbose_name=_("Pays on"))
    percent = tables.Column(verbose_name=_("Percent"), attrs=NUMBER)
    months = tables.Column(verbose_name=_("Months"), default=_("for life"))
    hold_days = tables.Column(verbose_name=_("Held (days)"), attrs=NUMBER)
    min_payout = MoneyColumn(verbose_name=_("Smallest payout"))
    levels = tables.Column(verbose_name=_("Higher rates"), orderable=False)
    active = tables.BooleanColumn(verbose_name=_("Active"))
    actions = actions_column("partners/portal/plans.html#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No plans yet: add the first one below.")

    def render_percent(self, value) -> str:
        return f"{value.normalize():f}%"

    def render_levels(self, value) -> str:
        return ", ".join(_("%(p)s%% from sale %(n)s") % {"p": lv["percent"], "n": lv["sales"]} for lv in value) or "—"


class ApplicationTable(PortalTable):
    created_at = tables.DateTimeColumn(verbose_name=_("Applied"), short=True)
    name = tables.Column(verbose_name=_("Name"))
    email = tables.Column(verbose_name=_("Email"))
    phone = tables.Column(verbose_name=_("Phone"), default="—")
    website = tables.Column(verbose_name=_("Where they would share"), default="—")
    message = tables.Column(verbose_name=_("Message"), default="—", attrs={"td": {"class": "snippet"}})
    status = tables.Column(verbose_name=_("Status"))
    actions = actions_column("partners/portal/applications.html#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No applications yet.")
