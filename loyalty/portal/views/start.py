"""Getting started: right after creating the shop the owner picks the shipped program that fits, shown as
cards in the shop's language with what customers get, and applies it in one tap; everything is editable
afterwards. The start checklist on the dashboard (loyalty.portal.start) sends the owner here first."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import override

from loyalty.errors import ConfigurationError
from loyalty.models import Role
from loyalty.services.templates import program_template_apply, program_templates

from ..decorators import staff_required
from ..versions import version_baseline, version_record


@staff_required(role=Role.MANAGER)
def start(request):
    """GET shows the templates; POST with `template` applies it and goes on to the dashboard's checklist."""
    shop = request.shop
    if request.method == "POST":
        code = request.POST.get("template", "")
        if code in {template.code for template in program_templates(shop.language)}:
            try:
                version_baseline(shop=request.shop)
                program_template_apply(shop=shop, code=code)
            except ConfigurationError as error:
                messages.error(request, error.message)
            else:
                version_record(shop=shop, by=request.user, note=f"template:{code}")
                messages.success(request, _("Your program is ready. You can change anything in it at any time."))
                return redirect("portal:home")
        else:
            messages.error(request, _("Choose one of the templates."))
    with override(shop.language):  # the cards speak the shop's language, as its customers will read them
        templates = program_templates(shop.language)
    return TemplateResponse(request, "portal/start.html", {"templates": templates})
