"""Importing past purchases: the member import's steps (upload, the first rows, which column is which, every row
checked, the errors' CSV, the import in the background with its progress bar) for loyalty.portal.purchase_imports.
"""

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
from ..import_forms import ImportMappingForm, ImportStartForm
from ..imports import errors_csv, import_preview
from ..models import ImportKind, ImportStatus, MemberImport
from ..purchase_import_forms import PURCHASE_FIELD_LABELS, PurchaseImportUploadForm
from ..purchase_imports import purchase_import_map, purchase_import_start, purchase_import_upload, purchase_mapping_of
from .imports import ERRORS_SHOWN

TEMPLATE = "portal/purchase_import.html"


def purchase_import_of(request, purchase_import_id: int) -> MemberImport:
    found = MemberImport.objects.filter(shop=request.shop, pk=purchase_import_id, kind=ImportKind.PURCHASES)
    found = found.defer("data").first()
    if found is None:
        raise Http404
    return found


def _mapping_form(purchase_import: MemberImport, header: list[str], data=None) -> ImportMappingForm:
    return ImportMappingForm(
        data, header=header, mapping=purchase_mapping_of(purchase_import), labels=PURCHASE_FIELD_LABELS
    )


@staff_required(role=Role.MANAGER)
def purchase_import_new(request):
    form = PurchaseImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            purchase_import = purchase_import_upload(
                shop=request.shop, user=request.user, file_name=upload.name, data=upload.read()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:purchase_import", purchase_import_id=purchase_import.pk)
    recent = MemberImport.objects.filter(shop=request.shop, kind=ImportKind.PURCHASES).defer("data")[:10]
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "recent": recent}
    return TemplateResponse(request, "portal/purchase_import_new.html", context, status=status)


def purchase_import_context(purchase_import: MemberImport, **forms) -> dict:
    context = {"import": purchase_import, "errors_shown": purchase_import.errors[:ERRORS_SHOWN]}
    if purchase_import.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED):
        header, preview = import_preview(MemberImport.objects.get(pk=purchase_import.pk))
        context.update(
            {
                "header": header,
                "preview": preview,
                "mapping_form": forms.get("mapping_form") or _mapping_form(purchase_import, header),
                "start_form": forms.get("start_form") or ImportStartForm(),
            }
        )
    return context


@staff_required(role=Role.MANAGER)
def purchase_import_detail(request, purchase_import_id: int):
    """The import's page; with HTMX only its progress (the bar polls it while the import runs)."""
    purchase_import = purchase_import_of(request, purchase_import_id)
    if request.htmx and request.GET.get("part") == "progress":
        if not purchase_import.busy:  # finished: the whole page, which now shows the result
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return TemplateResponse(request, f"{TEMPLATE}#progress", {"import": purchase_import})
    return TemplateResponse(request, TEMPLATE, purchase_import_context(purchase_import))


@require_POST
@staff_required(role=Role.MANAGER)
def purchase_import_mapping(request, purchase_import_id: int):
    purchase_import = purchase_import_of(request, purchase_import_id)
    header, _preview = import_preview(MemberImport.objects.get(pk=purchase_import.pk))
    form = _mapping_form(purchase_import, header, request.POST)
    if form.is_valid():
        try:
            purchase_import_map(purchase_import, form.mapping())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("portal:purchase_import", purchase_import_id=purchase_import.pk)
    return TemplateResponse(request, TEMPLATE, purchase_import_context(purchase_import, mapping_form=form), status=400)


@require_POST
@staff_required(role=Role.MANAGER)
def purchase_import_begin(request, purchase_import_id: int):
    purchase_import = purchase_import_of(request, purchase_import_id)
    form = ImportStartForm(request.POST)
    if form.is_valid():
        try:
            purchase_import_start(purchase_import, skip_invalid=form.cleaned_data["skip_invalid"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The import has started."))
            return redirect("portal:purchase_import", purchase_import_id=purchase_import.pk)
    return TemplateResponse(request, TEMPLATE, purchase_import_context(purchase_import, start_form=form), status=400)


@staff_required(role=Role.MANAGER)
def purchase_import_errors(request, purchase_import_id: int):
    purchase_import = purchase_import_of(request, purchase_import_id)
    response = HttpResponse(errors_csv(purchase_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="purchases-import-{purchase_import.pk}-errors.csv"'
    return response
