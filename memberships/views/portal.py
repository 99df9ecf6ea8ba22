"""The owners' membership pages in the portal: the plans with their members now, revenue per month and churn; a
plan's page with its subscribers (a table and CSV); adding and editing plans. Managers and owners."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error
from loyalty.portal.tables import csv_response, csv_url, wants_csv

from ..forms import PlanForm
from ..models import MembershipPlan
from ..pages import savings_text
from ..selectors import churn_by_month, plan_report, plan_savings, revenue_by_month, subscribers_of
from ..services.plans import plan_save
from ..tables import PlanTable, SubscriberTable

PER_PAGE = 25
PLAN_TERMS = ("name", "period", "trial_days", "grace_days", "discount_percent", "points_multiplier", "free_delivery")


def plan_or_404(request, membership_plan_id: int) -> MembershipPlan:
    return get_object_or_404(MembershipPlan, pk=membership_plan_id, shop=request.shop)


@staff_required(role=Role.MANAGER)
def plan_list(request):
    shop, at = request.shop, timezone.now()
    locale = str(display_locale())
    table = PlanTable(plan_report(shop, at), currency=shop.currency, locale=locale, orderable=False)
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-membership-plans")
    RequestConfig(request, paginate=False).configure(table)
    churn = churn_by_month(shop, at)
    months = [
        {
            "month": row["month"],
            "kept": format_money(row["kept"], shop.currency, locale),
            "payments": row["payments"],
            "points": row["points"] or 0,
            "ended": churn.get(row["month"].date(), 0),
        }
        for row in revenue_by_month(shop, at)
    ]
    context = {"table": table, "csv_url": csv_url(request), "months": months, "form": PlanForm()}
    return TemplateResponse(request, "memberships/portal/plans.html", context)


def _terms(form: PlanForm, plan: MembershipPlan | None) -> dict:
    """The form's terms as the service takes them: the price edits the default (last) price rule and keeps the
    rules before it (by points or tier, set in the configuration file)."""
    data = form.cleaned_data
    rules = list(plan.prices[:-1]) if plan else []
    terms = {name: data[name] for name in PLAN_TERMS}
    terms["prices"] = [*rules, {"price": f"{data['price']:f}"}]
    terms["active"] = data["active"]
    return terms


@staff_required(role=Role.MANAGER)
def plan_new(request):
    form = PlanForm(request.POST or None)
    code = request.POST.get("code", "").strip()
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_save(shop=request.shop, code=code, **_terms(form, None))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(plan)s is on sale now.") % {"plan": plan.name})
            return redirect("memberships:plan", membership_plan_id=plan.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "code": code, "new": True}
    return TemplateResponse(request, "memberships/portal/plan_form.html", context, status=status)


@staff_required(role=Role.MANAGER)
def plan_edit(request, membership_plan_id: int):
    plan = plan_or_404(request, membership_plan_id)
    initial = {name: getattr(plan, name) for name in PLAN_TERMS} | {
        "price": Decimal(plan.prices[-1]["price"]),
        "active": plan.active,
    }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_save(shop=request.shop, code=plan.code, plan=plan, **_terms(form, plan))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(plan)s was saved.") % {"plan": plan.name})
            return redirect("memberships:plan", membership_plan_id=plan.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "plan": plan, "new": False}
    return TemplateResponse(request, "memberships/portal/plan_form.html", context, status=status)


@staff_required(role=Role.MANAGER)
def plan_detail(request, membership_plan_id: int):
    plan = plan_or_404(request, membership_plan_id)
    table = SubscriberTable(subscribers_of(plan), at=timezone.now())
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{request.shop.slug}-{plan.code}-members")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    locale = str(display_locale())
    prices = [
        {**rule, "text": format_money(Decimal(rule["price"]), request.shop.currency, locale)} for rule in plan.prices
    ]
    savings = savings_text(plan_savings(plan, timezone.now()), request.shop.currency)
    context = {"plan": plan, "table": table, "csv_url": csv_url(request), "prices": prices, "savings": savings}
    return TemplateResponse(request, "memberships/portal/plan.html", context)
