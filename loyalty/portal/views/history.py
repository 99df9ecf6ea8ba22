"""The configuration's history: every version with who made it and when, what each changed as a readable diff
against the one before, and restoring any of them (which is itself a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import ConfigurationError
from loyalty.models import Role

from ..decorators import staff_required
from ..models import ConfigVersion
from ..versions import document_diff, version_restore

HISTORY_SHOWN = 50


def note_label(note: str) -> str:
    """How a version came about, in the owner's words."""
    kind, _sep, detail = note.partition(":")
    labels = {
        "before": _("As it was before the first change in the portal"),
        "template": _("Template “%(detail)s” applied"),
        "file": _("Configuration file imported"),
        "editor": _("Edited: %(detail)s"),
        "restore": _("Version %(detail)s restored"),
    }
    return labels.get(kind, note) % {"detail": detail} if kind in labels else note


@staff_required(role=Role.MANAGER)
def history(request):
    versions = list(ConfigVersion.objects.filter(shop=request.shop).select_related("by")[:HISTORY_SHOWN])
    rows = [{"version": version, "label": note_label(version.note)} for version in versions]
    return TemplateResponse(request, "portal/program_history.html", {"rows": rows})


def version_of(request, version_id: int) -> ConfigVersion:
    version = ConfigVersion.objects.filter(shop=request.shop, pk=version_id).select_related("by").first()
    if version is None:
        raise Http404
    return version


@staff_required(role=Role.MANAGER)
def version_detail(request, version_id: int):
    version = version_of(request, version_id)
    number = version.number
    before = ConfigVersion.objects.filter(shop=request.shop, number__lt=number).order_by("-number").first()
    context = {
        "version": version,
        "label": note_label(version.note),
        "before": before,
        "changes": document_diff(before.document if before else None, version.document),
        "latest": not ConfigVersion.objects.filter(shop=request.shop, number__gt=number).exists(),
    }
    return TemplateResponse(request, "portal/program_version.html", context)


@require_POST
@staff_required(role=Role.MANAGER)
def version_restore_view(request, version_id: int):
    version = version_of(request, version_id)
    try:
        restored = version_restore(version=version, by=request.user)
    except ConfigurationError as error:  # a version saved before a rule changed may no longer be accepted
        messages.error(request, error.message)
        return redirect("portal:program_version", version_id=version.pk)
    messages.success(
        request, _("Version %(old)s is restored, as version %(new)s.") % {"old": version.number, "new": restored.number}
    )
    return redirect("portal:program_history")
