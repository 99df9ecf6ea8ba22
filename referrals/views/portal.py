"""The owners' referral pages in the portal: every referral in a table (filters by status and referrer, CSV),
the review queue of held sign-ups (clear or reject), the funnel per month, and the program's settings.
Managers and owners; only an owner decides the review queue and changes the settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from loyalty.errors import DomainError, NotFound
from loyalty.models import Role
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error
from loyalty.portal.tables import csv_response, csv_url, wants_csv

from ..filters import ReferralFilter
from ..forms import ProgramForm, program_initial
from ..models import ReferralProgram
from ..selectors import funnel, referrals_of_shop, review_queue
from ..services.life import referral_clear, referral_reject
from ..services.programs import program_save
from ..tables import ReferralTable, person

PER_PAGE = 25


@staff_required(role=Role.MANAGER)
def referral_list(request):
    shop = request.shop
    filterset = ReferralFilter(request.GET or None, queryset=referrals_of_shop(shop), shop=shop)
    table = ReferralTable(filterset.qs)
    if wants_csv(request):
        RequestConfig(request, paginate=False).configure(table)
        return csv_response(table, f"{shop.slug}-referrals")
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {
        "filter": filterset,
        "table": table,
        "csv_url": csv_url(request),
        "program": ReferralProgram.objects.filter(shop=shop).first(),
        "waiting": review_queue(shop).count(),
    }
    template = "referrals/portal/referrals.html#results" if request.htmx else "referrals/portal/referrals.html"
    return TemplateResponse(request, template, context)


@staff_required(role=Role.MANAGER)
def review(request):
    rows = [(referral, person(referral.referrer), person(referral.referee)) for referral in review_queue(request.shop)]
    return TemplateResponse(request, "referrals/portal/review.html", {"rows": rows})


def _decide(request, referral_id: int, decide, done: str):
    try:
        decide(shop=request.shop, referral_id=referral_id)
    except NotFound:
        raise Http404("no such referral at this shop") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("referrals:review")


@require_POST
@staff_required(role=Role.OWNER)
def review_clear(request, referral_id: int):
    return _decide(request, referral_id, referral_clear, _("The referral counts now."))


@require_POST
@staff_required(role=Role.OWNER)
def review_reject(request, referral_id: int):
    return _decide(request, referral_id, referral_reject, _("The referral was rejected."))


@staff_required(role=Role.MANAGER)
def funnel_page(request):
    return TemplateResponse(request, "referrals/portal/funnel.html", {"months": funnel(request.shop)})


@staff_required(role=Role.OWNER)
def settings(request):
    shop = request.shop
    program = ReferralProgram.objects.filter(shop=shop).first()
    form = ProgramForm(request.POST or None, shop=shop, initial=program_initial(program))
    if request.method == "POST" and form.is_valid():
        try:
            program_save(shop=shop, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The referral program was saved."))
            return redirect("referrals:settings")
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "referrals/portal/settings.html", {"form": form}, status=status)
