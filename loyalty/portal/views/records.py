"""The shop's purchases, points ledger and vouchers: one page each, searchable, filtered, sorted, paged and
downloadable as CSV (every matching row); with HTMX only the results are sent back."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from loyalty.formats import display_locale
from loyalty.models import Role
from rewards.selectors import reward_names

from ..decorators import staff_required
from ..records import (
    EntryFilter,
    PurchaseFilter,
    ShopLedgerTable,
    ShopPurchaseTable,
    VoucherFilter,
    VoucherTable,
    shop_entries,
    shop_purchases,
    shop_vouchers,
)
from ..tables import bounded_pages, csv_response, csv_url, wants_csv

PER_PAGE = 50


def records_page(request, *, title: str, filterset, table, filename: str):
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{request.shop.slug}-{filename}")
    RequestConfig(request, paginate=bounded_pages(PER_PAGE)).configure(table)
    template = "portal/records.html#results" if request.htmx else "portal/records.html"
    context = {"title": title, "filter": filterset, "table": table, "csv_url": csv_url(request)}
    return TemplateResponse(request, template, context)


@require_GET
@staff_required(role=Role.MANAGER)
def purchase_list(request):
    shop = request.shop
    filterset = PurchaseFilter(request.GET or None, queryset=shop_purchases(shop), shop=shop)
    table = ShopPurchaseTable(filterset.qs, currency=shop.currency, locale=str(display_locale()))
    return records_page(request, title=_("Purchases"), filterset=filterset, table=table, filename="purchases")


@require_GET
@staff_required(role=Role.MANAGER)
def ledger_list(request):
    shop = request.shop
    filterset = EntryFilter(request.GET or None, queryset=shop_entries(shop), shop=shop)
    table = ShopLedgerTable(filterset.qs, reward_names=reward_names(shop))
    return records_page(request, title=_("Points ledger"), filterset=filterset, table=table, filename="ledger")


@require_GET
@staff_required(role=Role.MANAGER)
def voucher_list(request):
    shop = request.shop
    filterset = VoucherFilter(request.GET or None, queryset=shop_vouchers(shop), shop=shop)
    table = VoucherTable(filterset.qs)
    return records_page(request, title=_("Vouchers"), filterset=filterset, table=table, filename="vouchers")
