"""The segments pages: the ten RFM segments and the owner's own, with counts and their trend; a segment's members;
new custom segments from rules."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty import hooks
from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.portal.decorators import staff_required

from ..forms import SegmentForm
from ..models import RfmScore, RfmSegment, Segment, SegmentCount
from ..services.rules import FIELDS, segment_delete, segment_members, segment_save

TREND_DAYS = 30
PER_PAGE = 50


def _trend(shop) -> dict[str, list[int]]:
    """Each segment's daily counts over the last 30 days, oldest first: one query."""
    since = timezone.localdate(timezone=shop.tz) - timedelta(days=TREND_DAYS)
    trend: dict[str, list[int]] = {}
    for row in SegmentCount.objects.filter(shop=shop, day__gt=since).values("key", "members").order_by("day"):
        trend.setdefault(row["key"], []).append(row["members"])
    return trend


def _change(counts: list[int]) -> int | None:
    return counts[-1] - counts[0] if len(counts) > 1 else None


@staff_required(role=Role.MANAGER)
def segment_list(request):
    shop = request.shop
    trend = _trend(shop)
    rfm = [
        {"code": code, "label": label, "count": (trend.get(code) or [0])[-1], "change": _change(trend.get(code, []))}
        for code, label in RfmSegment.choices
    ]
    custom = [
        {"segment": segment, "count": (trend.get(f"custom:{segment.pk}") or [None])[-1],
         "change": _change(trend.get(f"custom:{segment.pk}", []))}
        for segment in Segment.objects.filter(shop=shop)
    ]  # fmt: skip
    context = {"rfm": rfm, "custom": custom, "form": SegmentForm(), "fields": FIELDS, "scored": bool(trend)}
    return TemplateResponse(request, "insights/portal/segments.html", context)


def _show_error(form, error: DomainError) -> None:
    """A rule's error names its place ("rules[1].value") under the rules."""
    for path, message in error.fields.items():
        form.add_error(
            path if path in form.fields else "rules", str(message) if path in form.fields else f"{path}: {message}"
        )
    if not error.fields:
        form.add_error(None, error.message)


@staff_required(role=Role.MANAGER)
def segment_new(request):
    form = SegmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            segment = segment_save(shop=request.shop, **form.cleaned_data)
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The segment %(name)s was saved.") % {"name": segment.name})
            return redirect("insights:segment", segment_id=segment.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "fields": FIELDS, "app_rules": hooks.segment_rules().values()}
    return TemplateResponse(request, "insights/portal/segment_form.html", context, status=status)


@staff_required(role=Role.MANAGER)
def segment_detail(request, segment_id: int):
    """A custom segment's members now (paged), or with ?rfm=<code> an RFM segment's."""
    segment = get_object_or_404(Segment, shop=request.shop, pk=segment_id)
    members = segment_members(segment, at=timezone.now()).select_related("account__tier").order_by("name", "pk")
    page = Paginator(members, PER_PAGE).get_page(request.GET.get("page"))
    context = {"segment": segment, "page": page}
    return TemplateResponse(request, "insights/portal/segment.html", context)


@staff_required(role=Role.MANAGER)
def rfm_members(request):
    """An RFM segment's members (?segment=<code>) as the job last scored them."""
    code = request.GET.get("segment", "")
    if not code:  # the list is where a segment is chosen
        return redirect("insights:segments")
    if code not in RfmSegment.values:
        raise Http404
    scores = (
        RfmScore.objects.filter(shop=request.shop, segment=code).select_related("member").order_by("-last_purchase_at")
    )
    page = Paginator(scores, PER_PAGE).get_page(request.GET.get("page"))
    context = {"label": RfmSegment(code).label, "page": page, "code": code}
    return TemplateResponse(request, "insights/portal/rfm_segment.html", context)


@require_POST
@staff_required(role=Role.MANAGER)
def segment_delete_view(request, segment_id: int):
    segment = get_object_or_404(Segment, shop=request.shop, pk=segment_id)
    try:
        segment_delete(segment=segment)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("insights:segment", segment_id=segment.pk)
    messages.success(request, _("The segment was deleted."))
    return redirect("insights:segments")
