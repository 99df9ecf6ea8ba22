"""The program editors' pages: the form, the live preview beside it (HTMX posts the draft as the owner types and
gets back only the preview) and saving, which applies from now on and keeps a version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loyalty.errors import ConfigurationError
from loyalty.models import Role

from ..decorators import staff_required
from ..editors.base import PurchasePreviewForm, current_document, draft_explanation, draft_save
from ..editors.campaigns import CampaignsForm, month_calendar
from ..editors.earning import EarningForm
from ..editors.levels import StampCardsForm, TiersForm


def campaign_calendar(draft: dict) -> dict:
    return {"calendar": month_calendar(draft.get("program", {}).get("campaigns", []))}


@dataclass(frozen=True)
class Editor:
    code: str
    title: str
    form: type
    template: str
    extras: Callable[[dict], dict] | None = None  # more of the preview, from the draft document

    @property
    def url_name(self) -> str:
        return f"portal:editor_{self.code}"

    @property
    def preview_url_name(self) -> str:
        return f"portal:editor_{self.code}_preview"


EDITORS = {
    editor.code: editor
    for editor in (
        Editor("earning", gettext_lazy("Earning points"), EarningForm, "portal/editors/earning.html"),
        Editor(
            "campaigns", gettext_lazy("Campaigns"), CampaignsForm, "portal/editors/rows.html", extras=campaign_calendar
        ),
        Editor("tiers", gettext_lazy("Tiers"), TiersForm, "portal/editors/rows.html"),
        Editor("stamp-cards", gettext_lazy("Stamp cards"), StampCardsForm, "portal/editors/rows.html"),
    )
}


def editor_of(code: str) -> Editor:
    if code not in EDITORS:
        raise Http404
    return EDITORS[code]


def preview_of(shop, document: dict, form, preview_form, editor: Editor) -> dict:
    """What the draft earns, or what keeps it from being computed, each message naming its field."""
    problems = [
        (form.fields[name].label if name in form.fields else "", error)
        for name, errors in form.errors.items()
        for error in errors
    ]
    problems += [
        (preview_form.fields[name].label, error) for name, errors in preview_form.errors.items() for error in errors
    ]
    if problems:
        return {"problems": problems}
    draft = form.apply_to(document) if form.is_bound else document
    purchase = preview_form.cleaned_data if preview_form.is_bound else preview_form.initial_purchase()
    extras = editor.extras(draft) if editor.extras else {}
    try:
        return {"explanation": draft_explanation(shop, draft, purchase), **extras}
    except ConfigurationError as error:
        return {"problems": [("", error.message)], **extras}


def render_editor(request, editor: Editor, *, data=None, status: int = 200, partial: str = ""):
    shop = request.shop
    document = current_document(shop)
    form = editor.form(data, initial=editor.form.initial_from(document), currency=shop.currency)
    preview_form = PurchasePreviewForm(data, document=document, currency=shop.currency)
    if data is not None:
        form.is_valid()
        preview_form.is_valid()
    context = {
        "editor": editor,
        "form": form,
        "preview_form": preview_form,
        "points_name": shop.program.points_name,
        **preview_of(shop, current_document(shop), form, preview_form, editor),
    }
    template = f"portal/editors/layout.html#{partial}" if partial else editor.template
    return TemplateResponse(request, template, context, status=status)


@staff_required(role=Role.MANAGER)
def editor_page(request, code: str):
    """GET shows the form and what the saved rules give the sample purchase; POST saves the draft."""
    editor = editor_of(code)
    if request.method != "POST":
        return render_editor(request, editor)
    shop = request.shop
    form = editor.form(request.POST, initial=editor.form.initial_from(current_document(shop)), currency=shop.currency)
    if form.is_valid():
        try:
            draft_save(
                shop=shop, document=form.apply_to(current_document(shop)), by=request.user, note=f"editor:{code}"
            )
        except ConfigurationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved. The change applies from now on; what was earned before stays."))
            return redirect(f"portal:editor_{code}")
    return render_editor(request, editor, data=request.POST, status=400)


@require_POST
@staff_required(role=Role.MANAGER)
def editor_preview(request, code: str):
    """HTMX: the preview of the draft the form holds now; nothing is saved."""
    return render_editor(request, editor_of(code), data=request.POST, partial="preview")
