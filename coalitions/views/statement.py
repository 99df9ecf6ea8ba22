"""The settlement statement in the portal, for a manager of a shop that is or was in the coalition: a month's rows
(shop names and figures, never anyone's members), their sums, the pool's change, as a page, CSV and PDF."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money, money_str
from loyalty.portal.decorators import staff_required
from loyalty.portal.tables import csv_cell
from loyalty.services import printing

from ..models import Coalition
from ..services.settlement import Statement, period_bounds, periods, statement


@dataclass(frozen=True)
class Line:
    name: str
    merchant: str
    issued: int
    redeemed: int
    owes: str
    owed: str
    net: str
    own: bool


def coalition_of_shop(shop, code: str) -> Coalition:
    """The coalition with this code that the shop is or was in; any other is 404."""
    coalition = Coalition.objects.filter(code=code, shops__shop=shop).distinct().first()
    if coalition is None:
        raise Http404("no coalition of this shop has this code")
    return coalition


def _money(amount: Decimal, currency: str, locale: str) -> str:
    return format_money(amount, currency, locale)


def statement_context(shop, coalition: Coalition, period: str) -> dict:
    result = statement(coalition, period)
    currency, locale = coalition.currency, str(display_locale())
    lines = [
        Line(
            r.name,
            r.merchant,
            r.issued,
            r.redeemed,
            _money(r.owes, currency, locale),
            _money(r.owed, currency, locale),
            _money(r.net, currency, locale),
            r.merchant == shop.slug,
        )
        for r in result.rows
    ]
    start, _end = period_bounds(coalition, period)
    return {
        "coalition": coalition,
        "period": period,
        "period_start": start,
        "lines": lines,
        "totals": _totals(result, currency, locale),
        "pool_change": _money(result.pool_change, currency, locale),
    }


def _totals(result: Statement, currency: str, locale: str) -> dict:
    rows = result.rows
    return {
        "issued": sum(r.issued for r in rows),
        "redeemed": sum(r.redeemed for r in rows),
        "owes": _money(sum((r.owes for r in rows), Decimal(0)), currency, locale),
        "owed": _money(sum((r.owed for r in rows), Decimal(0)), currency, locale),
        "net": _money(sum((r.net for r in rows), Decimal(0)), currency, locale),
    }


def _chosen_period(request, coalition: Coalition) -> tuple[str, list[str]]:
    months = periods(coalition, request.shop)
    period = request.GET.get("period") or (months[0] if months else "")
    return period, months


@staff_required(role=Role.MANAGER)
def statement_page(request, coalition_code: str):
    coalition = coalition_of_shop(request.shop, coalition_code)
    period, months = _chosen_period(request, coalition)
    try:
        context = statement_context(request.shop, coalition, period)
    except ValidationFailed:
        context = {"coalition": coalition, "problem": _("There is no statement for this month: choose one below.")}
        status = 422
    else:
        status = 200
    base = reverse("coalitions:statement", kwargs={"coalition_code": coalition.code})
    context |= {
        "periods": months,
        "csv_url": f"{base}?{urlencode({'period': period, 'export': 'csv'})}",
        "pdf_url": reverse("coalitions:statement_pdf", kwargs={"coalition_code": coalition.code})
        + f"?{urlencode({'period': period})}",
    }
    if request.GET.get("export") == "csv" and status == 200:
        return statement_csv(coalition, context)
    return TemplateResponse(request, "coalitions/statement.html", context, status=status)


def statement_csv(coalition: Coalition, context: dict) -> HttpResponse:
    """Plain decimal strings in the coalition's currency (a spreadsheet adds them up); every cell formula-safe."""
    result = statement(coalition, context["period"])
    currency = coalition.currency
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{coalition.code}-{context["period"]}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Shop"), _("Address name"), _("Issued"), _("Redeemed"), _("Owes"), _("Owed"), _("Net")])
    for r in result.rows:
        row = [r.name, r.merchant, r.issued, r.redeemed, *(money_str(v, currency) for v in (r.owes, r.owed, r.net))]
        writer.writerow([csv_cell(value) for value in row])
    total = sum((r.net for r in result.rows), Decimal(0))
    writer.writerow([csv_cell(_("Total")), "", "", "", "", "", money_str(total, currency)])
    writer.writerow([csv_cell(_("Pool change")), "", "", "", "", "", money_str(result.pool_change, currency)])
    return response


@staff_required(role=Role.MANAGER)
def statement_pdf(request, coalition_code: str):
    coalition = coalition_of_shop(request.shop, coalition_code)
    period, _months = _chosen_period(request, coalition)
    try:
        context = statement_context(request.shop, coalition, period)
    except ValidationFailed:
        raise Http404("no statement for this period") from None
    shop = request.shop
    context |= {"shop": shop, "language": translation.get_language(), "rtl": translation.get_language_bidi()}
    try:
        pdf = printing.pdf_render("coalitions/print/statement.html", context)
    except printing.PrintingUnavailable as error:
        return HttpResponse(error.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{coalition.code}-{period}.pdf"'
    return response
