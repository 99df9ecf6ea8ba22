"""The owners' partner pages in the portal: the partner report (every partner with its customers, sales and
commissions, as a table and CSV), a partner's page, adding and editing partners and plans, and deciding the
applications. Managers and owners; only an owner decides applications."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.member_site.access import absolute_url
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.names import given_name
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error
from loyalty.portal.tables import csv_response, csv_url, wants_csv

from ..filters import PartnerFilter
from ..forms import ApproveForm, PartnerForm, PlanForm
from ..models import Application, ApplicationStatus, Partner, PartnerProgram, Plan
from ..selectors import commissions_of, customers_of, partner_figures, partner_link_path, partner_report
from ..services import applications as application_services
from ..services.programs import partner_save, partner_set_active, plan_save
from ..tables import ApplicationTable, CommissionTable, PartnerReportTable, PayoutTable, PlanTable

PER_PAGE = 25
RECENT = 20


def _money_table(table_class, request, data, **kwargs):
    return table_class(data, currency=request.shop.currency, locale=str(display_locale()), **kwargs)


def partner_or_404(request, partner_id: int) -> Partner:
    return get_object_or_404(Partner.objects.select_related("plan", "shop"), pk=partner_id, shop=request.shop)


# ---------------------------------------------------------------- partners and the report


@staff_required(role=Role.MANAGER)
def partner_list(request):
    shop = request.shop
    filterset = PartnerFilter(request.GET or None, queryset=partner_report(shop), shop=shop)
    table = _money_table(PartnerReportTable, request, filterset.qs)
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-partners")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {
        "filter": filterset,
        "table": table,
        "csv_url": csv_url(request),
        "program": PartnerProgram.objects.filter(shop=shop).first(),
        "has_plans": Plan.objects.filter(shop=shop, active=True).exists(),
        "pending_applications": Application.objects.filter(shop=shop, status=ApplicationStatus.PENDING).count(),
        "form": PartnerForm(shop=shop),
    }
    template = "partners/portal/partners.html#results" if request.htmx else "partners/portal/partners.html"
    return TemplateResponse(request, template, context)


@staff_required(role=Role.MANAGER)
def partner_new(request):
    form = PartnerForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_save(shop=request.shop, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(partner)s is a partner now.") % {"partner": partner.name})
            return redirect("partners:partner", partner_id=partner.pk)
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "partners/portal/partner_form.html", {"form": form}, status=status)


@staff_required(role=Role.MANAGER)
def partner_detail(request, partner_id: int):
    partner = partner_or_404(request, partner_id)
    commissions = _money_table(CommissionTable, request, commissions_of(partner)[:RECENT], orderable=False)
    payouts = _money_table(PayoutTable, request, partner.payouts.all()[:RECENT], orderable=False)
    currency, locale = request.shop.currency, str(display_locale())
    figures = partner_figures(partner)
    context = {
        "partner": partner,
        "link": absolute_url(partner_link_path(partner)),
        "figures": {name: format_money(value, currency, locale) for name, value in vars(figures).items()},
        "can_pay": figures.balance > 0 and figures.balance >= partner.plan.min_payout,
        "customers": [(binding, given_name(binding.member.name)) for binding in customers_of(partner)[:RECENT]],
        "customer_count": partner.bindings.count(),
        "commissions": commissions,
        "payouts": payouts,
    }
    return TemplateResponse(request, "partners/portal/partner.html", context)


@staff_required(role=Role.MANAGER)
def partner_edit(request, partner_id: int):
    partner = partner_or_404(request, partner_id)
    form = PartnerForm(request.POST or None, shop=request.shop, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            partner_save(shop=request.shop, partner=partner, active=partner.active, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(partner)s was saved.") % {"partner": partner.name})
            return redirect("partners:partner", partner_id=partner.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "partner": partner}
    return TemplateResponse(request, "partners/portal/partner_form.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def partner_active(request, partner_id: int):
    partner = partner_or_404(request, partner_id)
    active = request.POST.get("active") == "1"
    partner_set_active(partner=partner, active=active)
    if active:
        messages.success(request, _("%(partner)s binds customers and earns again.") % {"partner": partner.name})
    else:
        messages.success(
            request, _("%(partner)s binds no new customers and earns no more.") % {"partner": partner.name}
        )
    return redirect("partners:partner", partner_id=partner.pk)


# ---------------------------------------------------------------- plans


def _plans_page(request, form: PlanForm, status: int = 200):
    table = _money_table(PlanTable, request, Plan.objects.filter(shop=request.shop))
    return TemplateResponse(request, "partners/portal/plans.html", {"table": table, "form": form}, status=status)


@staff_required(role=Role.MANAGER)
def plan_list(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_save(shop=request.shop, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The plan %(plan)s was saved.") % {"plan": plan})
            return redirect("partners:plans")
    return _plans_page(request, form, status=422 if form.is_bound else 200)


@staff_required(role=Role.MANAGER)
def plan_edit(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id, shop=request.shop)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan_save(shop=request.shop, plan=plan, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The plan %(plan)s was saved.") % {"plan": plan})
            return redirect("partners:plans")
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "partners/portal/plan_edit.html", {"form": form, "plan": plan}, status=status)


# ---------------------------------------------------------------- applications


@staff_required(role=Role.MANAGER)
def application_list(request):
    shop = request.shop
    table = ApplicationTable(Application.objects.filter(shop=shop))
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {
        "table": table,
        "approve_form": ApproveForm(shop=shop),
        "can_decide": request.membership.role == Role.OWNER,
        "apply_url": absolute_url(reverse("partners:apply", kwargs={"slug": shop.slug})),
    }
    return TemplateResponse(request, "partners/portal/applications.html", context)


def _application_or_404(request, application_id: int) -> Application:
    return get_object_or_404(Application, pk=application_id, shop=request.shop)


@require_POST
@staff_required(role=Role.OWNER)
def application_approve(request, application_id: int):
    application = _application_or_404(request, application_id)
    form = ApproveForm(request.POST, shop=request.shop)
    if not form.is_valid():
        messages.error(request, _("Choose the plan the partner is paid on."))
        return redirect("partners:applications")
    try:
        partner = application_services.application_approve(
            application=application, plan=form.cleaned_data["plan"], code=form.cleaned_data["code"], by=request.user
        )
    except DomainError as error:
        messages.error(request, "; ".join([error.message, *map(str, error.fields.values())]))
        return redirect("partners:applications")
    messages.success(request, _("%(partner)s is a partner now; their link is on its way.") % {"partner": partner.name})
    return redirect("partners:partner", partner_id=partner.pk)


@require_POST
@staff_required(role=Role.OWNER)
def application_reject(request, application_id: int):
    application = _application_or_404(request, application_id)
    try:
        application_services.application_reject(application=application, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application of %(name)s was rejected.") % {"name": application.name})
    return redirect("partners:applications")
