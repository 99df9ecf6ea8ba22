"""A member's data on request: the owner or a manager downloads everything held about them; the owner erases
their personal data after a confirmation that names what goes and what stays."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loyalty.errors import ValidationFailed
from loyalty.models import ConsentSource, Role
from loyalty.services.privacy import member_erase, member_export

from ..decorators import staff_required
from .members import member_or_404


@require_GET
@staff_required(role=Role.MANAGER)
def member_data_export(request, member_id: int):
    """Everything the shop holds about the member, as a JSON file to hand over."""
    member = member_or_404(request.shop, member_id)
    body = json.dumps(member_export(member), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{request.shop.slug}-member-{member.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(role=Role.OWNER)
def member_data_erase(request, member_id: int):
    """GET asks first; POST erases. An erased member (or a merged duplicate) has nothing more to erase here."""
    member = member_or_404(request.shop, member_id, current=True)
    if request.method == "POST":
        try:
            member_erase(member=member, by=request.user, source=ConsentSource.PORTAL)
        except ValidationFailed:
            messages.error(request, _("This member's personal data was already erased."))
        else:
            messages.success(
                request, _("The member's personal data was erased. Their points, purchases and vouchers stay.")
            )
        return redirect("portal:member", member_id=member.pk)
    return TemplateResponse(request, "portal/member_erase.html", {"member": member})
