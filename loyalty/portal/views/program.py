"""The program page: the program in plain words, the shipped templates, the configuration file both ways and a
live preview of what a purchase earns. Every change goes through loyalty.services (templates, config)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import ConfigurationError
from loyalty.formats import display_locale
from loyalty.models import Role, Shop
from loyalty.services.config import config_import, parse_document
from loyalty.services.config_export import config_export
from loyalty.services.purchases import purchase_quote
from loyalty.services.rules import Context, Explanation, Line, explain_points, rules_for
from loyalty.services.templates import program_summary, program_template_apply, program_templates

from ..decorators import staff_required
from ..forms import ConfigUploadForm, PreviewForm, TemplateForm
from ..versions import version_baseline, version_record
from .editors import EDITORS

PREVIEW_AMOUNT = {"VND": Decimal("100000")}


def preview_explanation(shop: Shop, data: dict) -> Explanation:
    """What the purchase described by the preview form earns: the quote a till gets for a customer without a
    tier, or the same rules evaluated for a member of the chosen tier."""
    amount = data["amount"]
    lines = [Line(amount=amount, category=data["category"].strip())]
    occurred_at = data["occurred_at"] or timezone.now()
    payment_method = data["payment_method"] or ""
    if data["tier"] is None:
        return purchase_quote(
            shop=shop,
            member=None,
            amount=amount,
            lines=lines,
            occurred_at=occurred_at,
            location=None,
            payment_method=payment_method,
        )
    ctx = Context(occurred_at=occurred_at, tz=shop.tz, tier=data["tier"], payment_method=payment_method)
    return explain_points(rules_for(shop.program), amount=amount, lines=lines, ctx=ctx)


def known_categories(program) -> list[str]:
    """Categories the rules mention, offered as suggestions in the preview (any other may be typed)."""
    found = set(program.exclude_categories) | {m.category for m in program.category_multipliers.all()}
    for campaign in program.campaigns.all():
        found.update(campaign.categories)
    return sorted(found)


def program_page(request, *, upload_form: ConfigUploadForm | None = None):
    shop = request.shop
    program = shop.program
    bound = "amount" in request.GET
    preview_form = PreviewForm(
        request.GET if bound else None,
        program=program,
        initial={
            "amount": PREVIEW_AMOUNT.get(shop.currency, Decimal(10)),
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None),
        },
    )
    explanation = preview_explanation(shop, preview_form.cleaned_data) if bound and preview_form.is_valid() else None
    context = {"program": program, "preview_form": preview_form, "explanation": explanation}
    if request.htmx and bound:
        return TemplateResponse(request, "portal/program.html#preview", context)
    context.update(
        {
            "summary": program_summary(shop, str(display_locale())),
            "templates": program_templates(),
            "upload_form": upload_form or ConfigUploadForm(),
            "categories": known_categories(program),
            "editors": EDITORS.values(),
        }
    )
    return TemplateResponse(request, "portal/program.html", context)


@staff_required(role=Role.MANAGER)
def program(request):
    """The page; with the preview's fields in the query string it shows (or, for HTMX, returns) the preview."""
    return program_page(request)


@staff_required(role=Role.MANAGER)
def program_export(request):
    """The shop's configuration file (spec/program-config.md), to keep, edit or import elsewhere."""
    shop = request.shop
    body = json.dumps(config_export(shop), ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{shop.slug}.json"'
    return response


def config_import_into(shop: Shop, document) -> Shop:
    """Imports a configuration file into this shop only: the file must name it (merchant.slug), since the
    import would otherwise create or change another shop. Raises ConfigurationError naming the JSON path;
    on any error nothing changes (config_import runs in one transaction)."""
    parsed = parse_document(document)  # reads only: refuses a bad file before anything else
    if parsed["merchant"]["slug"] != shop.slug:
        raise ConfigurationError(
            _(
                "merchant.slug: this file is for the shop “%(file)s”, but this shop is “%(shop)s”. Download this "
                "shop's file and edit it, or change the slug in the file."
            )
            % {"file": parsed["merchant"]["slug"], "shop": shop.slug}
        )
    return config_import(document, update=True)


@require_POST
@staff_required(role=Role.MANAGER)
def program_import(request):
    form = ConfigUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version_baseline(shop=request.shop)
            shop = config_import_into(request.shop, form.cleaned_data["document"])
        except ConfigurationError as error:
            form.add_error("document", error.message)
        else:
            version_record(shop=shop, by=request.user, note="file")
            messages.success(request, _("The configuration file was imported."))
            return redirect("portal:program")
    return program_page(request, upload_form=form)


@staff_required(role=Role.MANAGER)
def program_template(request):
    """GET asks to confirm replacing the program with a template; POST replaces it."""
    templates = program_templates()
    form = TemplateForm(request.POST if request.method == "POST" else request.GET, templates=templates)
    if not form.is_valid():
        messages.error(request, _("Choose one of the templates."))
        return redirect("portal:program")
    template = next(template for template in templates if template.code == form.cleaned_data["template"])
    if request.method == "POST":
        try:
            version_baseline(shop=request.shop)
            shop = program_template_apply(shop=request.shop, code=template.code)
        except ConfigurationError as error:
            messages.error(request, error.message)
        else:
            version_record(shop=shop, by=request.user, note=f"template:{template.code}")
            messages.success(request, _("Your program now follows the template “%(name)s”.") % {"name": template.name})
        return redirect("portal:program")
    return TemplateResponse(request, "portal/program_template.html", {"template": template})
