"""A manager merges a customer who enrolled twice: on the kept member's page they find the duplicate by phone, name
or card, read what moves, and confirm; the core's members_merge does the rest (the program apps move theirs)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from loyalty.errors import DomainError
from loyalty.models import Member, Role
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge, phone_grouped

from ..bulk_forms import MergeSearchForm
from ..decorators import staff_required
from ..queries import member_search, members_of
from .members import member_or_404

CANDIDATES = 10


def _duplicate(shop, keep: Member, value) -> Member | None:
    try:
        return members_of(shop).exclude(pk=keep.pk).filter(erased_at__isnull=True).get(pk=int(value))
    except (TypeError, ValueError, Member.DoesNotExist):
        return None


@staff_required(role=Role.MANAGER)
def member_merge(request, member_id: int):
    """GET: the search for the duplicate (?q=), then its confirmation (?duplicate=<id>); POST: the merge."""
    shop = request.shop
    keep = member_or_404(shop, member_id, current=True)
    chosen = request.POST.get("duplicate") if request.method == "POST" else request.GET.get("duplicate")
    duplicate = _duplicate(shop, keep, chosen) if chosen else None
    if request.method == "POST":
        if duplicate is None:
            messages.error(request, _("Choose the duplicate first."))
            return redirect("portal:member_merge", member_id=keep.pk)
        try:
            members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop, staff=request.user))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:member_merge", member_id=keep.pk)
        messages.success(request, _("The duplicate was merged into this member."))
        return redirect("portal:member", member_id=keep.pk)
    form = MergeSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    candidates = []
    if query and duplicate is None:
        found = member_search(members_of(shop).exclude(pk=keep.pk).filter(erased_at__isnull=True), shop, query)
        candidates = [(member, phone_grouped(member.phone)) for member in found.order_by("name", "pk")[:CANDIDATES]]
    context = {
        "keep": keep,
        "keep_phone": phone_grouped(keep.phone),
        "form": form,
        "query": query,
        "candidates": candidates,
        "duplicate": duplicate,
        "duplicate_phone": phone_grouped(duplicate.phone) if duplicate else "",
    }
    return TemplateResponse(request, "portal/member_merge.html", context)
