"""The coalition page of the portal: the shop's coalition (its shops and their terms, invitations sent, notice to
leave, statements), or the invitations the shop received and the form to form one. Managers read; the owner acts
(forms, invites, answers, withdraws, gives notice). Every action is a POST with CSRF that redirects back."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError, NotFound
from loyalty.formats import display_locale
from loyalty.models import Role
from loyalty.money import format_money
from loyalty.portal.decorators import staff_required
from loyalty.portal.forms import add_domain_error

from ..forms import CoalitionForm, InviteForm, NoticeForm
from ..models import CoalitionShop, InvitationStatus
from ..services import forming, leaving

HOME = "coalitions:home"


def _terms_text(rows, currency: str) -> list:
    """Each row (a membership or an invitation) with its two prices written in the coalition's currency."""
    locale = str(display_locale())
    for row in rows:
        row.cost_text = format_money(row.cost_per_point, currency, locale)
        row.reimbursement_text = format_money(row.reimbursement_per_point, currency, locale)
    return rows


def _member_context(request, term: CoalitionShop, forms: dict) -> dict:
    coalition = term.coalition
    at = timezone.now()
    shops = list(CoalitionShop.objects.current().filter(coalition=coalition).select_related("shop"))
    sent = list(forming.invitations_sent(coalition))
    for invitation in sent:
        invitation.open = invitation.status == InvitationStatus.PENDING and invitation.expires_at > at
        invitation.expired = invitation.status == InvitationStatus.PENDING and not invitation.open
    earliest = leaving.earliest_leaving_day(term, at)
    return {
        "term": term,
        "coalition": coalition,
        "shops": _terms_text(shops, coalition.currency),
        "sent": _terms_text(sent, coalition.currency),
        "earliest_leaving_day": earliest,
        "notice_days": leaving.NOTICE_DAYS,
        "invite_form": forms.get("invite") or InviteForm(currency=coalition.currency),
        "notice_form": forms.get("notice") or NoticeForm(initial={"leaves_on": earliest}),
    }


def home_context(request, **forms) -> dict:
    shop = request.shop
    term = forming.current_term(shop)
    context = {
        "is_owner": request.membership.role == Role.OWNER,
        "past": CoalitionShop.objects.filter(shop=shop, left_at__isnull=False).select_related("coalition"),
    }
    if term is not None:
        return context | _member_context(request, term, forms)
    received = list(forming.invitations_received(shop))
    for invitation in received:
        _terms_text([invitation], invitation.coalition.currency)
    return context | {
        "received": received,
        "create_form": forms.get("create") or CoalitionForm(currency=shop.currency),
        "currency": shop.currency,
    }


def _page(request, status: int = 200, **forms):
    return TemplateResponse(request, "coalitions/home.html", home_context(request, **forms), status=status)


@staff_required(role=Role.MANAGER)
def home(request):
    return _page(request)


def _form_action(request, form, run, key: str, success: str):
    """Runs the service with the form's data; its refusal is shown on the form (422), success goes back home."""
    if not form.is_valid():
        return _page(request, status=422, **{key: form})
    try:
        run(form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return _page(request, status=422, **{key: form})
    messages.success(request, success)
    return redirect(HOME)


@require_POST
@staff_required(role=Role.OWNER)
def create(request):
    shop = request.shop
    form = CoalitionForm(request.POST, currency=shop.currency)

    def run(data):
        forming.coalition_create(shop=shop, **data)

    return _form_action(request, form, run, "create", _("Your coalition is formed: now invite other shops."))


@require_POST
@staff_required(role=Role.OWNER)
def invite(request):
    term = forming.current_term(request.shop)
    if term is None:
        messages.error(request, _("Your shop is not in a coalition."))
        return redirect(HOME)
    form = InviteForm(request.POST, currency=term.coalition.currency)

    def run(data):
        forming.coalition_invite(
            inviter=request.shop,
            target=data["shop"],
            cost_per_point=data["cost_per_point"],
            reimbursement_per_point=data["reimbursement_per_point"],
            by=request.user,
        )

    return _form_action(request, form, run, "invite", _("The invitation is sent: its owner answers in their portal."))


def _answer(request, service, invitation_id: int, success: str):
    """Accept, decline or withdraw: another shop's invitation is 404, a closed one a message."""
    try:
        service(shop=request.shop, invitation_id=invitation_id, by=request.user)
    except NotFound:
        raise Http404("no such invitation") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(HOME)


@require_POST
@staff_required(role=Role.OWNER)
def accept(request, coalition_invitation_id: int):
    return _answer(
        request, forming.invitation_accept, coalition_invitation_id, _("Your shop is in the coalition from now on.")
    )


@require_POST
@staff_required(role=Role.OWNER)
def decline(request, coalition_invitation_id: int):
    return _answer(request, forming.invitation_decline, coalition_invitation_id, _("The invitation is declined."))


@require_POST
@staff_required(role=Role.OWNER)
def revoke(request, sent_invitation_id: int):
    return _answer(request, forming.invitation_revoke, sent_invitation_id, _("The invitation is withdrawn."))


@require_POST
@staff_required(role=Role.OWNER)
def notice(request):
    form = NoticeForm(request.POST)

    def run(data):
        leaving.notice_give(shop=request.shop, leaves_on=data["leaves_on"], by=request.user)

    return _form_action(request, form, run, "notice", _("Your notice is given: the coalition's shops can see it."))


@require_POST
@staff_required(role=Role.OWNER)
def notice_withdraw(request):
    try:
        leaving.notice_withdraw(shop=request.shop)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your notice is withdrawn: your shop stays in the coalition."))
    return redirect(HOME)
