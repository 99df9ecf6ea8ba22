"""The campaigns pages: the list, writing one (with a preview for a real member), and one campaign's delivery,
vouchers used and lift against its holdout over 7 and 30 days."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.models import MessageStatus, Role
from loyalty.money import format_money
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error
from rewards.models import VoucherStatus

from ..forms import CampaignForm
from ..lift import WINDOWS, campaign_lift
from ..models import Campaign, CampaignMember, Group
from ..services.campaigns import audience, campaign_cancel, campaign_preview, campaign_save
from .figures import lift_line, money_of


@staff_required(role=Role.MANAGER)
def campaign_list(request):
    campaigns = Campaign.objects.filter(shop=request.shop).select_related("segment")[:100]
    return TemplateResponse(request, "insights/portal/campaigns.html", {"campaigns": campaigns})


def _preview(request, form: CampaignForm) -> dict | None:
    """The message as one real member of the chosen segment would read it (nothing saved, nothing sent)."""
    shop = request.shop
    draft = Campaign(
        shop=shop, texts={}, points=form.cleaned_data.get("points") or 0, reward=form.cleaned_data["reward"]
    )
    draft.texts = {k: v for k, v in form.texts().items() if v["subject"] and v["body"]}
    if shop.language not in draft.texts:
        form.add_error(None, _("Write the message in the shop's language to preview it."))
        return None
    for name, value in form.audience_of(shop).items():
        setattr(draft, name, value)
    member = audience(draft, at=timezone.now()).select_related("shop").order_by("pk").first()
    if member is None:
        form.add_error("audience", _("Nobody is in this segment now."))
        return None
    subject, body = campaign_preview(draft, member)
    return {"member": member, "subject": subject, "body": body}


@staff_required(role=Role.MANAGER)
def campaign_new(request):
    shop = request.shop
    form = CampaignForm(request.POST or None, shop=shop)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _preview(request, form)
        else:
            data = form.cleaned_data
            try:
                campaign = campaign_save(
                    shop=shop, name=data["name"], texts=form.texts(), points=data["points"] or 0,
                    reward=data["reward"], reason=data["reason"], holdout_percent=data["holdout_percent"],
                    send_at=data["send_at"], user=request.user, **form.audience_of(shop),
                )  # fmt: skip
            except DomainError as error:
                add_domain_error(form, error)
                if error.fields and not form.errors:
                    form.add_error(None, "; ".join(f"{key}: {value}" for key, value in error.fields.items()))
            else:
                messages.success(request, _("The campaign %(name)s is scheduled.") % {"name": campaign.name})
                return redirect("insights:campaign", campaign_id=campaign.pk)
    status = 422 if form.is_bound and form.errors else 200
    context = {"form": form, "preview": preview}
    return TemplateResponse(request, "insights/portal/campaign_form.html", context, status=status)


def _delivery(campaign: Campaign) -> dict:
    """The audience by group, messages by status and vouchers used: one query."""
    return CampaignMember.objects.filter(campaign=campaign).aggregate(
        targeted=Count("id", filter=Q(group=Group.TARGET)),
        holdout=Count("id", filter=Q(group=Group.HOLDOUT)),
        handled=Count("id", filter=Q(handled_at__isnull=False)),
        sent=Count("id", filter=Q(message__status=MessageStatus.SENT)),
        queued=Count("id", filter=Q(message__status=MessageStatus.QUEUED)),
        skipped=Count("id", filter=Q(message__status=MessageStatus.SKIPPED)),
        failed=Count("id", filter=Q(message__status=MessageStatus.FAILED)),
        vouchers=Count("id", filter=Q(voucher__isnull=False)),
        vouchers_used=Count("id", filter=Q(voucher__status=VoucherStatus.USED)),
    )


@staff_required(role=Role.MANAGER)
def campaign_detail(request, campaign_id: int):
    shop = request.shop
    campaign = get_object_or_404(Campaign.objects.select_related("segment", "reward"), shop=shop, pk=campaign_id)
    locale = str(display_locale())
    money = money_of(lambda amount: format_money(amount, shop.currency, locale), shop.currency)
    visits = lambda value: f"{value:.2f}"  # noqa: E731
    lifts = [campaign_lift(campaign, days) for days in WINDOWS]
    context = {
        "campaign": campaign,
        "delivery": _delivery(campaign),
        "lifts": [
            {"days": days, "visits": lift_line(lift, "visits", visits), "spend": lift_line(lift, "spend", money)}
            for days, lift in zip(WINDOWS, lifts, strict=True)
        ],
    }
    return TemplateResponse(request, "insights/portal/campaign.html", context)


@require_POST
@staff_required(role=Role.MANAGER)
def campaign_cancel_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, shop=request.shop, pk=campaign_id)
    try:
        campaign_cancel(campaign=campaign)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The campaign was cancelled."))
    return redirect("insights:campaign", campaign_id=campaign.pk)
