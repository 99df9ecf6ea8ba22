"""The shop's public page (/s/<shop>/): the program in plain words, its rewards, the impact counter, this month's
leaderboard, the join button and the ideas board. Anyone may read it; members signed in to this shop post ideas
and vote. Nobody appears with more than a first name and an initial."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.formats import display_locale
from loyalty.member_site.access import members_of_user
from loyalty.member_site.decorators import member_view
from loyalty.models import Shop
from loyalty.money import format_money
from loyalty.names import public_name
from loyalty.points_names import points_phrase
from loyalty.portal.forms import add_domain_error
from rewards.models import Reward

from ..forms import IdeaForm
from ..models import Community, Idea, IdeaVote, Impact
from ..selectors import impact_figures
from ..services.ideas import idea_get, idea_post, idea_vote
from ..services.leaderboards import leaderboard, leaderboard_opt_in, month_of

IDEAS_SHOWN = 30


def _shop(slug: str) -> Shop:
    return get_object_or_404(Shop.objects.select_related("program"), slug=slug)


def _member_here(request, shop: Shop):
    return members_of_user(request.user).filter(shop=shop).first()


def _earning_text(shop: Shop) -> str:
    program = shop.program
    amount = format_money(program.earn_per_amount, shop.currency, str(display_locale()))
    return _("%(points)s for every %(amount)s you spend.") % {
        "points": points_phrase(program.earn_points, program),
        "amount": amount,
    }


def _context(request, shop: Shop, form=None) -> dict:
    community = Community.objects.filter(shop=shop).first()
    impact = Impact.objects.select_related("shop").filter(shop=shop).first()
    now = timezone.now()
    member = _member_here(request, shop)
    context = {
        "shop": shop,
        "earning": _earning_text(shop),
        "rewards": Reward.objects.filter(shop=shop, active=True, points__gt=0),
        "points_name": shop.program.points_name,
        "community": community,
        "member": member,
        "form": form or IdeaForm(),
    }
    if impact is not None:
        context.update(impact_figures(impact))
    if community is not None and community.leaderboard:
        context["month"] = month_of(now, shop.tz)
        context["places"] = leaderboard(shop, context["month"])
    if community is not None and community.ideas:
        ideas = list(Idea.objects.filter(shop=shop, hidden=False).select_related("member")[:IDEAS_SHOWN])
        voted = set()
        if member is not None:
            voted = set(IdeaVote.objects.filter(member=member, idea__in=ideas).values_list("idea_id", flat=True))
        context["ideas"] = [(idea, public_name(idea.member.name), idea.pk in voted) for idea in ideas]
    return context


def page(request, slug: str):
    shop = _shop(slug)
    return TemplateResponse(request, "challenges/community.html", _context(request, shop))


def _ideas_open(shop: Shop) -> bool:
    return Community.objects.filter(shop=shop, ideas=True).exists()


@require_POST
def idea_new(request, slug: str):
    shop = _shop(slug)
    member = _member_here(request, shop)
    if member is None or not _ideas_open(shop):
        return redirect(f"{reverse('member:sign_in_phone')}?next={reverse('challenges:community', args=[slug])}")
    form = IdeaForm(request.POST)
    if form.is_valid():
        try:
            idea_post(member=member, text=form.cleaned_data["text"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Thank you: your idea is on the board."))
            return redirect("challenges:community", slug=slug)
    return TemplateResponse(request, "challenges/community.html", _context(request, shop, form), status=422)


@require_POST
def idea_vote_view(request, slug: str, idea_id: int):
    shop = _shop(slug)
    member = _member_here(request, shop)
    if member is None:
        return redirect(f"{reverse('member:sign_in_phone')}?next={reverse('challenges:community', args=[slug])}")
    try:
        idea_vote(member=member, idea=idea_get(shop, idea_id))
    except DomainError:
        return TemplateResponse(request, "404.html", status=404)
    return redirect(f"{reverse('challenges:community', args=[slug])}#idea-{idea_id}")


@require_POST
@member_view
def leaderboard_choice(request, member):
    opted_in = request.POST.get("on") == "1"
    leaderboard_opt_in(member=member, opted_in=opted_in)
    if opted_in:
        messages.success(request, _("You are on the leaderboard now, by your first name and initial."))
    else:
        messages.success(request, _("You left the leaderboard."))
    return redirect("member:shop", slug=member.shop.slug)
