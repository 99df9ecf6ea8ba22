"""Printing: sheets of new member cards, the shop's poster (PDF and PNG), and a member's lost card replaced.

PDFs are made on request (a sheet of 100 cards took 2.8 s, 28 ms a card: bench/results/qr-latest.md). Where
WeasyPrint cannot load Pango, the print page says so instead of failing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from loyalty.counter.idempotency import Refused, new_key, once
from loyalty.errors import CardInUse, NotFound, ValidationFailed
from loyalty.models import Card, Role
from loyalty.services import printing
from loyalty.services.members import card_attach, card_block

from ..decorators import staff_required
from ..forms import CardAttachForm, CardBatchForm, add_domain_error
from ..queries import card_batches_of
from ..start import POSTER, step_mark
from .members import member_context, member_or_404


def print_page(request, *, form: CardBatchForm | None = None, problem: str = "", status: int = 200):
    template = "portal/print.html#batches" if request.htmx else "portal/print.html"
    context = {
        "form": form or CardBatchForm(),
        "batches": card_batches_of(request.shop),
        "problem": problem,
        "poster_ready": printing.poster_ready(request.shop),
        "new_key": new_key(),
    }
    return TemplateResponse(request, template, context, status=status)


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(role=Role.MANAGER)
def print_home(request):
    return print_page(request)


@require_POST
@staff_required(role=Role.MANAGER)
def print_cards(request):
    """Numbers a new batch of cards; its sheet is downloaded from the list of batches. The form carries an
    idempotency key, so a double click (or a resent form) numbers one batch."""

    def action() -> str:
        form = CardBatchForm(request.POST)
        if not form.is_valid():
            raise Refused(print_page(request, form=form))
        try:
            batch = printing.card_batch_print(
                shop=request.shop, count=form.cleaned_data["count"], actor_user=request.user
            )
        except ValidationFailed as error:
            add_domain_error(form, error)
            raise Refused(print_page(request, form=form)) from None
        count = len(batch.cards)
        messages.success(
            request,
            ngettext(
                "%(n)s card numbered in batch %(batch)s: download its sheet to print it.",
                "%(n)s cards numbered in batch %(batch)s: download their sheet to print them.",
                count,
            )
            % {"n": count, "batch": batch.code},
        )
        return reverse("portal:print")

    response = once(request, action, back=reverse("portal:print"))
    if request.htmx and response.status_code == 302:
        return print_page(request)  # HTMX swaps in the batch list, with the message, instead of following
    return response


@staff_required(role=Role.MANAGER)
def card_sheet(request, batch: str):
    try:
        pdf = printing.card_sheet_pdf(request.shop, batch)
    except NotFound:
        raise Http404 from None
    except printing.PrintingUnavailable as error:
        return print_page(request, problem=error.message, status=503)
    return download(pdf, "application/pdf", f"{request.shop.slug}-cards-{batch}.pdf")


@staff_required(role=Role.MANAGER)
def poster_pdf(request):
    return _poster(request, printing.poster_pdf, "application/pdf", "pdf")


@staff_required(role=Role.MANAGER)
def poster_png(request):
    return _poster(request, printing.poster_png, "image/png", "png")


def _poster(request, render, content_type: str, extension: str):
    try:
        data = render(request.shop)
    except printing.NoProgram as error:
        return print_page(request, problem=error.message, status=409)
    except printing.PrintingUnavailable as error:
        return print_page(request, problem=error.message, status=503)
    step_mark(request.shop, POSTER)
    return download(data, content_type, f"{request.shop.slug}-poster.{extension}")


# ---------------------------------------------------------------- a member's cards

CARD_ERRORS = {
    "invalid_card_number": lambda: _("This card number is not valid: check its digits."),
    CardInUse.code: lambda: _("This card belongs to another member, or it was blocked."),
}


def member_cards_answer(request, member, *, form: CardAttachForm | None = None):
    """After a change to the member's cards: with HTMX their cards section; else back to their page, or the
    page again with the form's errors."""
    context = lambda: member_context(request, member, card_form=form)  # noqa: E731
    if request.htmx:
        return TemplateResponse(request, "portal/member.html#cards", context())
    if form is None:
        return redirect("portal:member", member_id=member.pk)
    return TemplateResponse(request, "portal/member.html", context())


@require_POST
@staff_required()
def member_card_block(request, card_id: int):
    """A customer lost their card: it finds them no more, at the counter or through the till API."""
    card = get_object_or_404(Card, pk=card_id, shop=request.shop, member__isnull=False)
    card_block(card=card)
    messages.success(request, _("Card %(number)s is blocked.") % {"number": printing.card_number_grouped(card.number)})
    return member_cards_answer(request, member_or_404(request.shop, card.member_id))


@require_POST
@staff_required()
def member_card_attach(request, member_id: int):
    """A new card for the member (a pre-printed one, or any valid number); their current card is blocked."""
    member = member_or_404(request.shop, member_id, current=True)
    form = CardAttachForm(request.POST)
    if form.is_valid():
        try:
            card = card_attach(member=member, number=form.cleaned_data["card_number"])
        except (CardInUse, ValidationFailed) as error:
            card_error(form, error)
        else:
            text = _("Card %(number)s is now the member's card.")
            messages.success(request, text % {"number": printing.card_number_grouped(card.number)})
            return member_cards_answer(request, member)
    return member_cards_answer(request, member, form=form)


def card_error(form: CardAttachForm, error: CardInUse | ValidationFailed) -> None:
    message = CARD_ERRORS.get(error.code)
    if message:
        form.add_error("card_number", message())
    else:
        add_domain_error(form, error)
