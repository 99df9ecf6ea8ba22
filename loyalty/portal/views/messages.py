"""The message log: every message to the shop's members, sent, failed or skipped with the reason, filtered
by status, event and channel; and the owner's weekly cap on marketing messages."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import ValidationFailed
from loyalty.models import Message, Role
from loyalty.services.notifications import marketing_cap_set, receipt_channels_set

from ..decorators import staff_required
from ..filters import MessageFilter
from ..forms import MarketingCapForm, add_domain_error
from ..tables import MessageTable, csv_response, csv_url, wants_csv

MESSAGES_PER_PAGE = 50


def messages_of(shop):
    return Message.objects.filter(shop=shop).select_related("member").order_by("-created_at", "-pk")


def _page(request, *, cap_form: MarketingCapForm | None = None, status: int = 200):
    shop = request.shop
    filterset = MessageFilter(request.GET or None, queryset=messages_of(shop))
    table = MessageTable(filterset.qs)
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-messages")
    RequestConfig(request, paginate={"per_page": MESSAGES_PER_PAGE}).configure(table)
    is_owner = Role.at_least(request.membership.role, Role.OWNER)
    if is_owner and cap_form is None:
        cap_form = MarketingCapForm(
            initial={"marketing_cap_per_week": shop.marketing_cap_per_week, "receipt_channels": shop.receipt_channels}
        )
    template = "portal/messages.html#results" if request.htmx else "portal/messages.html"
    context = {"filter": filterset, "table": table, "csv_url": csv_url(request), "cap_form": cap_form, "shop": shop}
    return TemplateResponse(request, template, context, status=status)


@staff_required(Role.MANAGER)
def message_list(request):
    """With HTMX (a filter changed) only the results are sent back."""
    return _page(request)


@require_POST
@staff_required(Role.OWNER)
def marketing_cap(request):
    form = MarketingCapForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                marketing_cap_set(shop=request.shop, cap=form.cleaned_data["marketing_cap_per_week"])
                receipt_channels_set(shop=request.shop, channels=form.cleaned_data["receipt_channels"])
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The message settings are saved."))
            return redirect("portal:messages")
    return _page(request, cap_form=form, status=400)
