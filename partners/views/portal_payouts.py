"""The owners' money pages: every commission and every payout (filters, CSV), making a partner's payout
statement, a statement with its lines (CSV), how to pay it (a VietQR bank-transfer code for a Vietnamese shop,
else the partner's details as text), marking it paid with a reference, or paying it as store credit."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error
from loyalty.portal.tables import csv_response, csv_url, wants_csv
from loyalty.qr import qr_svg
from loyalty.vietqr import can_pay_by_vietqr, vietqr_payload

from ..filters import CommissionFilter, PayoutFilter
from ..forms import PaidForm
from ..models import Commission, Partner, Payout, PayoutMethod, PayoutStatus
from ..services.payouts import payout_create, payout_mark_paid, payout_pay_store_credit
from ..services.programs import partner_member
from ..tables import CommissionTable, PayoutTable, StatementLineTable

PER_PAGE = 50


def _table(table_class, request, data, **kwargs):
    return table_class(data, currency=request.shop.currency, locale=str(display_locale()), **kwargs)


def _listing(request, *, filterset, table, name: str, template: str):
    """A filtered table, its CSV (every row), or with HTMX only its results."""
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{request.shop.slug}-{name}")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"filter": filterset, "table": table, "csv_url": csv_url(request)}
    return TemplateResponse(request, f"{template}#results" if request.htmx else template, context)


@staff_required(role=Role.MANAGER)
def commission_list(request):
    shop = request.shop
    rows = Commission.objects.filter(shop=shop).select_related("partner", "member", "purchase", "payout")
    filterset = CommissionFilter(request.GET or None, queryset=rows, shop=shop)
    table = _table(CommissionTable, request, filterset.qs)
    return _listing(
        request, filterset=filterset, table=table, name="commissions", template="partners/portal/commissions.html"
    )


@staff_required(role=Role.MANAGER)
def payout_list(request):
    shop = request.shop
    filterset = PayoutFilter(
        request.GET or None, queryset=Payout.objects.filter(shop=shop).select_related("partner"), shop=shop
    )
    table = _table(PayoutTable, request, filterset.qs)
    return _listing(request, filterset=filterset, table=table, name="payouts", template="partners/portal/payouts.html")


@require_POST
@staff_required(role=Role.MANAGER)
def payout_new(request, partner_id: int):
    partner = get_object_or_404(Partner, pk=partner_id, shop=request.shop)
    try:
        payout = payout_create(partner=partner, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("partners:partner", partner_id=partner.pk)
    messages.success(request, _("Statement %(number)s was made.") % {"number": payout.label})
    return redirect("partners:payout", payout_id=payout.pk)


def _payout_or_404(request, payout_id: int) -> Payout:
    return get_object_or_404(Payout.objects.select_related("partner", "shop"), pk=payout_id, shop=request.shop)


def payout_qr_payload(payout: Payout) -> str | None:
    """The VietQR transfer of this statement, when the shop is Vietnamese and the partner has a bank account."""
    if not can_pay_by_vietqr(payout.shop, payout.partner):
        return None
    return vietqr_payload(
        bank_bin=payout.partner.bank_bin,
        account=payout.partner.bank_account,
        amount=payout.amount,
        purpose=f"{payout.label} {payout.shop.name}",  # the number first: the name may be cut at 25
    )


@staff_required(role=Role.MANAGER)
def payout_detail(request, payout_id: int):
    payout = _payout_or_404(request, payout_id)
    lines = _table(StatementLineTable, request, payout.lines.select_related("purchase").order_by("occurred_at", "pk"))
    if wants_csv(request):
        return csv_response(lines, f"{request.shop.slug}-{payout.label}")
    return TemplateResponse(request, "partners/portal/payout.html", payout_context(request, payout, lines))


def payout_context(request, payout: Payout, lines, form: PaidForm | None = None) -> dict:
    partner = payout.partner
    return {
        "payout": payout,
        "partner": partner,
        "amount": format_money(payout.amount, request.shop.currency, str(display_locale())),
        "lines": lines,
        "csv_url": csv_url(request),
        "vietqr": payout_qr_payload(payout),
        "open": payout.status == PayoutStatus.OPEN,
        "member": partner_member(partner),
        "store_credit": partner.payout_method == PayoutMethod.STORE_CREDIT,
        "form": form or PaidForm(),
    }


@staff_required(role=Role.MANAGER)
def payout_qr(request, payout_id: int):
    payload = payout_qr_payload(_payout_or_404(request, payout_id))
    if payload is None:
        raise Http404("no VietQR for this statement")
    return HttpResponse(qr_svg(payload), content_type="image/svg+xml")


@require_POST
@staff_required(role=Role.MANAGER)
def payout_paid(request, payout_id: int):
    payout = _payout_or_404(request, payout_id)
    form = PaidForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            payout_mark_paid(payout=payout, reference=form.cleaned_data["reference"], by=request.user)
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Statement %(number)s is paid.") % {"number": payout.label})
            return redirect("partners:payout", payout_id=payout.pk)
    lines = _table(StatementLineTable, request, payout.lines.select_related("purchase").order_by("occurred_at", "pk"))
    context = payout_context(request, payout, lines, form)
    return TemplateResponse(request, "partners/portal/payout.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def payout_store_credit(request, payout_id: int):
    payout = _payout_or_404(request, payout_id)
    try:
        payout_pay_store_credit(payout=payout, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Statement %(number)s was paid into the partner's wallet.") % {"number": payout.label}
        )
    return redirect("partners:payout", payout_id=payout.pk)
