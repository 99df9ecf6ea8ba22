"""The catalogue's table: one row per reward in the shop's order, with its redemption counts; CSV export."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from loyalty.counter.present import money, plain, reward_value
from loyalty.portal.tables import PortalTable, actions_column

CELLS = "rewards/catalogue.html"


class RewardTable(PortalTable):
    name = tables.TemplateColumn(template_name=f"{CELLS}#name-cell", verbose_name=_("Reward"))
    code = tables.Column(verbose_name=_("Code"), visible=False)  # in the CSV only
    kind = tables.Column(verbose_name=_("Kind"))
    points = tables.Column(verbose_name=_("Points"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    value = tables.Column(verbose_name=_("Value"), empty_values=())
    stock = tables.TemplateColumn(template_name=f"{CELLS}#stock-cell", verbose_name=_("Stock left"))
    per_member_limit = tables.Column(verbose_name=_("Per member"), default="—")
    issued = tables.Column(verbose_name=_("Redeemed"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    used = tables.Column(verbose_name=_("Used"), attrs={"td": {"class": "number"}, "th": {"class": "number"}})
    active = tables.TemplateColumn(template_name=f"{CELLS}#status-cell", verbose_name=_("Status"))
    actions = actions_column(f"{CELLS}#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No rewards yet. Add the first one below.")
        row_attrs = {"id": lambda record: f"reward-{record.pk}"}

    def __init__(self, data, *, currency: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency = currency

    def render_kind(self, record) -> str:
        return record.get_kind_display()

    def render_value(self, record) -> str:
        return reward_value(record, self.currency) or "—"

    def value_value(self, record) -> str:
        return plain(record.value)

    def value_name(self, record) -> str:
        return record.name

    def value_stock(self, record) -> str:
        return "" if record.stock is None else f"{record.stock_left}/{record.stock}"

    def value_active(self, record) -> str:
        return "active" if record.active else "inactive"


class QuickItemTable(PortalTable):
    label = tables.Column(verbose_name=_("Button"))
    amount = tables.Column(verbose_name=_("Price"), empty_values=())
    sku = tables.Column(verbose_name=_("SKU"), default="—")
    category = tables.Column(verbose_name=_("Category"), default="—")
    active = tables.TemplateColumn(template_name="rewards/quick_items.html#status-cell", verbose_name=_("Status"))
    actions = actions_column("rewards/quick_items.html#actions-cell")

    class Meta(PortalTable.Meta):
        orderable = False
        empty_text = _("No quick buttons yet.")
        row_attrs = {"id": lambda record: f"quick-item-{record.pk}"}

    def __init__(self, data, *, currency: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency = currency

    def render_amount(self, record) -> str:
        return money(record.amount, self.currency)

    def value_amount(self, record) -> str:
        return plain(record.amount)

    def value_active(self, record) -> str:
        return "active" if record.active else "inactive"
