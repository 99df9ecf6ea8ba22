"""The owners' community page: the impact counter (its total and settings), surprise rewards (with how many won and
were cancelled) and the community switches, this month's leaderboard and the prizes given. Managers and owners."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error

from ..forms import CommunityForm, ImpactForm, SurpriseForm
from ..models import Community, Impact, LeaderboardAward, Surprise
from ..selectors import impact_figures
from ..services.leaderboards import leaderboard, month_of
from ..services.settings import community_save, impact_save, surprise_save, surprise_set_active

AWARDS_SHOWN = 20


def _forms(request, bound: str | None):
    shop = request.shop
    impact = Impact.objects.filter(shop=shop).first()
    community = Community.objects.filter(shop=shop).first()
    data = request.POST if bound else None
    impact_initial = None
    if impact is not None:
        impact_initial = {
            f: getattr(impact, f) for f in ("name", "unit", "per", "quantity", "per_amount", "per_donation")
        }
    return {
        "impact_form": ImpactForm(data if bound == "impact" else None, initial=impact_initial),
        "surprise_form": SurpriseForm(data if bound == "surprise" else None, shop=shop),
        "community_form": CommunityForm(
            data if bound == "community" else None,
            initial={"badges": community.badges, "leaderboard": community.leaderboard, "ideas": community.ideas}
            if community
            else {"badges": True},
        ),
    }


def _save(request, which: str, form) -> bool:
    shop = request.shop
    save = {"impact": impact_save, "surprise": surprise_save, "community": community_save}[which]
    try:
        save(shop=shop, **form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return False
    return True


@staff_required(role=Role.MANAGER)
def community_settings(request):
    which = request.POST.get("form") if request.method == "POST" else None
    forms = _forms(request, which if which in ("impact", "surprise", "community") else None)
    if which in ("impact", "surprise", "community"):
        form = forms[f"{which}_form"]
        if form.is_valid() and _save(request, which, form):
            messages.success(request, _("Saved."))
            return redirect("challenges:community_settings")
    shop = request.shop
    impact = Impact.objects.select_related("shop").filter(shop=shop).first()
    surprises = (
        Surprise.objects.filter(shop=shop)
        .select_related("reward")
        .annotate(won=Count("wins"), cancelled=Count("wins", filter=Q(wins__cancelled_by__isnull=False)))
    )
    context = {
        **forms,
        **(impact_figures(impact) if impact else {}),
        "surprises": surprises,
        "month": month_of(timezone.now(), shop.tz),
        "awards": LeaderboardAward.objects.filter(shop=shop)
        .select_related("member", "voucher__reward")
        .order_by("-month", "place")[:AWARDS_SHOWN],
    }
    context["places"] = leaderboard(shop, context["month"])
    status = 422 if which else 200
    return TemplateResponse(request, "challenges/portal/community.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def surprise_active(request, surprise_id: int):
    surprise = get_object_or_404(Surprise, pk=surprise_id, shop=request.shop)
    surprise_set_active(surprise=surprise, active=request.POST.get("active") == "1")
    return redirect("challenges:community_settings")
