"""The owners' pages: the challenges (with how many members completed each), adding and editing them, and the
ideas board's moderation (answer, mark done, hide). Managers and owners."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error

from ..forms import AnswerForm, ChallengeForm
from ..models import Challenge, Idea
from ..selectors import progress_text
from ..services.editing import challenge_save, challenge_set_active
from ..services.ideas import idea_answer, idea_get, idea_hide

PER_PAGE = 50


def challenge_or_404(request, challenge_id: int) -> Challenge:
    return get_object_or_404(Challenge, pk=challenge_id, shop=request.shop)


@staff_required(role=Role.MANAGER)
def challenge_list(request):
    challenges = (
        Challenge.objects.filter(shop=request.shop)
        .select_related("reward")
        .annotate(
            taking_part=Count("progress"),
            completed=Count("progress", filter=Q(progress__completed_at__isnull=False)),
        )
        .order_by("-active", "-starts", "code")
    )
    rows = [(c, progress_text(c, c.target, request.shop.currency)) for c in challenges]
    return TemplateResponse(request, "challenges/portal/challenges.html", {"rows": rows})


def _form_page(request, form, challenge=None, status=200):
    context = {"form": form, "challenge": challenge}
    return TemplateResponse(request, "challenges/portal/challenge_form.html", context, status=status)


@staff_required(role=Role.MANAGER)
def challenge_new(request):
    form = ChallengeForm(request.POST or None, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = challenge_save(shop=request.shop, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The challenge %(name)s was added.") % {"name": challenge.name})
            return redirect("challenges:challenges")
    return _form_page(request, form, status=422 if form.is_bound else 200)


@staff_required(role=Role.MANAGER)
def challenge_edit(request, challenge_id: int):
    challenge = challenge_or_404(request, challenge_id)
    form = ChallengeForm(request.POST or None, shop=request.shop, instance=challenge)
    if request.method == "POST" and form.is_valid():
        try:
            challenge_save(shop=request.shop, challenge=challenge, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The challenge %(name)s was saved.") % {"name": challenge.name})
            return redirect("challenges:challenges")
    return _form_page(request, form, challenge, status=422 if form.is_bound else 200)


@require_POST
@staff_required(role=Role.MANAGER)
def challenge_active(request, challenge_id: int):
    challenge = challenge_or_404(request, challenge_id)
    challenge_set_active(challenge=challenge, active=request.POST.get("active") == "1")
    return redirect("challenges:challenges")


@staff_required(role=Role.MANAGER)
def idea_list(request):
    ideas = Idea.objects.filter(shop=request.shop).select_related("member")[:PER_PAGE]
    rows = [
        (idea, AnswerForm(initial={"answer": idea.answer, "status": idea.status}, prefix=str(idea.pk)))
        for idea in ideas
    ]
    return TemplateResponse(request, "challenges/portal/ideas.html", {"rows": rows})


@require_POST
@staff_required(role=Role.MANAGER)
def idea_moderate(request, idea_id: int):
    """Answer and set the status, or hide and show again (`hide` 1 or 0)."""
    try:
        idea = idea_get(request.shop, idea_id)
    except DomainError:
        return TemplateResponse(request, "404.html", status=404)
    if "hide" in request.POST:
        idea_hide(idea=idea, hidden=request.POST["hide"] == "1")
        return redirect("challenges:ideas")
    form = AnswerForm(request.POST, prefix=str(idea.pk))
    if form.is_valid():
        idea_answer(idea=idea, **form.cleaned_data)
        messages.success(request, _("The answer was saved."))
    else:
        messages.error(request, _("The answer could not be saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("challenges:ideas")
