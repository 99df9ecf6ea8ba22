"""Bulk actions on the members table's selection (the ticked rows, or every member matching the filter): points or a
voucher with a reason, a tag, or the selection as CSV. A confirmation page names how many members and what they
get; the action's page shows its progress (a large selection is handled by a Celery task)."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from loyalty.counter.idempotency import new_key
from loyalty.errors import ValidationFailed
from loyalty.models import Role

from ..bulk import BulkActionExists, bulk_start
from ..bulk_forms import EXPORT, BulkForm, SelectionForm
from ..decorators import staff_required
from ..filters import MemberFilter
from ..forms import add_domain_error
from ..models import BulkAction, BulkStatus
from ..queries import members_of
from ..tables import MemberTable, csv_response


def selected_members(shop, selection: dict):
    """The members the form names: every one matching the filter it carries, or the ticked ones (the shop's)."""
    members = members_of(shop)
    if selection["all"]:
        return MemberFilter(QueryDict(selection["filter"]), queryset=members, shop=shop).qs
    return members.filter(pk__in=selection["ids"])


def members_url(selection: SelectionForm) -> str:
    query = selection.data.get("filter", "") if selection.data else ""
    return reverse("portal:members") + (f"?{query}" if query else "")


@require_POST
@staff_required(role=Role.MANAGER)
def member_bulk(request):
    """The selection's CSV at once; for the other actions a confirmation page, then (with `confirm`) the action."""
    selection = SelectionForm(request.POST)
    if not selection.is_valid():
        for error in selection.errors.values():
            messages.error(request, " ".join(error))
        return redirect(members_url(selection))
    shop, kind = request.shop, selection.cleaned_data["action"]
    members = selected_members(shop, selection.cleaned_data)
    if kind == EXPORT:
        table = MemberTable(members.order_by("-created_at", "-pk"))
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-members-selected")
    confirming = "confirm" in request.POST
    form = BulkForm(request.POST if confirming else None, initial={"key": new_key()}, shop=shop, kind=kind)
    if confirming and form.is_valid():
        try:
            action = bulk_start(shop=shop, user=request.user, kind=kind, members=members, **form.cleaned_data)
        except BulkActionExists as done:
            messages.info(request, _("This action was already done; here it is."))
            return redirect("portal:member_bulk_action", action_id=done.action.pk)
        except ValidationFailed as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:member_bulk_action", action_id=action.pk)
    context = {
        "selection": selection,
        "ids": selection.cleaned_data["ids"],
        "count": members.count(),
        "form": form,
        "kind": kind,
        "kind_label": dict(selection.fields["action"].choices)[kind],
        "cancel": members_url(selection),
    }
    status = 400 if form.is_bound and form.errors else 200
    return TemplateResponse(request, "portal/member_bulk.html", context, status=status)


@require_GET
@staff_required(role=Role.MANAGER)
def member_bulk_action(request, action_id: int):
    """What the action did, or how far it is (HTMX polls `?part=progress` while it runs)."""
    action = get_object_or_404(
        BulkAction.objects.select_related("reward", "tag", "created_by"), pk=action_id, shop=request.shop
    )
    partial = request.htmx and request.GET.get("part") == "progress"
    template = "portal/member_bulk_action.html#progress" if partial else "portal/member_bulk_action.html"
    context = {"action": action, "running": action.status == BulkStatus.RUNNING}
    return TemplateResponse(request, template, context)
