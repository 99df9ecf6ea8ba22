"""Importing customers: upload a CSV file, see its first rows, say which column is which, check every row,
download the errors, then import in the background with a live progress bar (loyalty.portal.imports)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty.errors import DomainError
from loyalty.models import Role

from ..decorators import staff_required
from ..forms import add_domain_error
from ..import_forms import FIELD_LABELS, ImportMappingForm, ImportStartForm, ImportUploadForm
from ..imports import errors_csv, import_map, import_preview, import_start, import_upload, mapping_of
from ..models import ImportKind, ImportStatus, MemberImport

ERRORS_SHOWN = 20


def import_of(request, import_id: int) -> MemberImport:
    member_import = MemberImport.objects.filter(shop=request.shop, pk=import_id, kind=ImportKind.MEMBERS)
    member_import = member_import.defer("data").first()
    if member_import is None:
        raise Http404
    return member_import


@staff_required(role=Role.MANAGER)
def member_import_new(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            member_import = import_upload(
                shop=request.shop, user=request.user, file_name=upload.name, data=upload.read()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:member_import", import_id=member_import.pk)
    recent = MemberImport.objects.filter(shop=request.shop, kind=ImportKind.MEMBERS).defer("data")[:10]
    status = 400 if form.is_bound and form.errors else 200
    return TemplateResponse(request, "portal/member_import_new.html", {"form": form, "recent": recent}, status=status)


def import_context(request, member_import: MemberImport, **forms) -> dict:
    context = {"import": member_import, "errors_shown": member_import.errors[:ERRORS_SHOWN]}
    if member_import.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED):
        full = MemberImport.objects.get(pk=member_import.pk)
        header, preview = import_preview(full)
        context.update(
            {
                "header": header,
                "preview": preview,
                "mapping_form": forms.get("mapping_form")
                or ImportMappingForm(header=header, mapping=mapping_of(member_import)),
                "start_form": forms.get("start_form") or ImportStartForm(),
                "field_labels": FIELD_LABELS,
            }
        )
    return context


@staff_required(role=Role.MANAGER)
def member_import_detail(request, import_id: int):
    """The import's page; with HTMX only its progress (the bar polls it while the import runs)."""
    member_import = import_of(request, import_id)
    if request.htmx and request.GET.get("part") == "progress":
        if not member_import.busy:  # finished: the whole page, which now shows the result
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return TemplateResponse(request, "portal/member_import.html#progress", {"import": member_import})
    return TemplateResponse(request, "portal/member_import.html", import_context(request, member_import))


@require_POST
@staff_required(role=Role.MANAGER)
def member_import_mapping(request, import_id: int):
    member_import = import_of(request, import_id)
    header, _preview = import_preview(MemberImport.objects.get(pk=member_import.pk))
    form = ImportMappingForm(request.POST, header=header, mapping=mapping_of(member_import))
    if form.is_valid():
        try:
            import_map(member_import, form.mapping())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:member_import", import_id=member_import.pk)
    context = import_context(request, member_import, mapping_form=form)
    return TemplateResponse(request, "portal/member_import.html", context, status=400)


@require_POST
@staff_required(role=Role.MANAGER)
def member_import_start(request, import_id: int):
    member_import = import_of(request, import_id)
    form = ImportStartForm(request.POST)
    if form.is_valid():
        try:
            import_start(member_import, skip_invalid=form.cleaned_data["skip_invalid"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The import has started."))
            return redirect("portal:member_import", import_id=member_import.pk)
    context = import_context(request, member_import, start_form=form)
    return TemplateResponse(request, "portal/member_import.html", context, status=400)


@staff_required(role=Role.MANAGER)
def member_import_errors(request, import_id: int):
    member_import = import_of(request, import_id)
    response = HttpResponse(errors_csv(member_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{member_import.pk}-errors.csv"'
    return response
