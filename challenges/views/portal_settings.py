"""The owners' community page: the impact counter (its total and settings), surprise rewards (with how many won and
were cancelled) and the community switches, this month's leaderboards, the prizes attached to their top places and
the prizes given. Managers and owners."""

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

from ..forms import CommunityForm, ImpactForm, PrizeForm, SurpriseForm
from ..models import Board, Community, Impact, LeaderboardAward, LeaderboardPrize, Surprise
from ..selectors import impact_figures
from ..services.leaderboards import leaderboard, month_of
from ..services.settings import (
    community_save,
    impact_save,
    prize_boards,
    prize_remove,
    prize_set,
    surprise_save,
    surprise_set_active,
)

FORMS = ("impact", "surprise", "community", "prize")

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
        "prize_form": PrizeForm(data if bound == "prize" else None, shop=shop, boards=prize_boards()),
    }


def _save(request, which: str, form) -> bool:
    shop = request.shop
    save = {"impact": impact_save, "surprise": surprise_save, "community": community_save, "prize": prize_set}[which]
    try:
        save(shop=shop, **form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return False
    return True


@staff_required(role=Role.MANAGER)
def community_settings(request):
    which = request.POST.get("form") if request.method == "POST" else None
    forms = _forms(request, which if which in FORMS else None)
    if which in FORMS:
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
    context["prizes"] = LeaderboardPrize.objects.filter(shop=shop).select_related("reward")
    if len(prize_boards()) > 1:  # the referral program is installed
        context["referrer_places"] = leaderboard(shop, context["month"], board=Board.REFERRALS)
    status = 422 if which else 200
    return TemplateResponse(request, "challenges/portal/community.html", context, status=status)


@require_POST
@staff_required(role=Role.MANAGER)
def surprise_active(request, surprise_id: int):
    surprise = get_object_or_404(Surprise, pk=surprise_id, shop=request.shop)
    surprise_set_active(surprise=surprise, active=request.POST.get("active") == "1")
    return redirect("challenges:community_settings")


@require_POST
@staff_required(role=Role.MANAGER)
def prize_delete(request, prize_id: int):
    prize_remove(prize=get_object_or_404(LeaderboardPrize, pk=prize_id, shop=request.shop))
    messages.success(request, _("Prize removed; the prizes already given stay given."))
    return redirect("challenges:community_settings")
