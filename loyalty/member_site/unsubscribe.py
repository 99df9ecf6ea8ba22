"""Unsubscribe from marketing messages: the link at the end of every marketing message, and the one-click
unsubscribe (RFC 8058) that mail clients offer from the List-Unsubscribe header of a marketing mail."""

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from loyalty.models import ConsentSource
from loyalty.services.members import consent_set
from loyalty.services.notifications import member_from_unsubscribe_token

ONE_CLICK = "List-Unsubscribe=One-Click"


# CSRF is off for this view only: a mail client's one-click POST (RFC 8058) carries no cookie and no CSRF
# token. The signed token in the address is the proof of who asks, and the only thing a POST here can do is
# withdraw that member's marketing consent, which a forged request gains nothing from.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    member = member_from_unsubscribe_token(token)
    if member is None:
        raise Http404("unknown unsubscribe link")
    if request.method == "POST":
        consent_set(member=member, granted=False, source=ConsentSource.UNSUBSCRIBE)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)  # a mail client asked: it shows its own confirmation
    with translation.override(member.language or member.shop.language):
        response = TemplateResponse(
            request,
            "member/unsubscribe.html",
            {"shop": member.shop, "done": request.method == "POST" or not member.marketing_consent},
        )
        return response.render()
