"""The portal's past-purchase imports: the member import's machinery (loyalty.portal.imports: the kept file, its
preview, the queued check and run, the progress written from a second connection, the errors' CSV) with the
purchase import's services (loyalty.services.purchase_import*), the same ones `manage.py purchases_import` uses."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.services.csv_files import csv_rows
from loyalty.services.ledger import Actor
from loyalty.services.member_import import columns_guess
from loyalty.services.purchase_import import COLUMN_GUESSES, COLUMNS, purchases_plan
from loyalty.services.purchase_import_write import purchases_import

from .imports import MAX_BYTES, _errors, _finish, _ProgressNote, _queue
from .models import ImportKind, ImportStatus, MemberImport


def purchase_import_upload(*, shop, user, file_name: str, data: bytes) -> MemberImport:
    """Keep an uploaded file whose header can be read, with a first guess at its columns."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 50 MB."), fields={"file": "too large"})
    header, rows = csv_rows(data)
    guessed = columns_guess(header, COLUMN_GUESSES)
    return MemberImport.objects.create(
        shop=shop,
        kind=ImportKind.PURCHASES,
        created_by=user,
        file_name=file_name[:200],
        data=data,
        mapping={str(index): column for index, column in guessed.items()},
        rows=len(rows),
    )


def purchase_mapping_of(member_import: MemberImport) -> dict[int, str]:
    return {int(index): column for index, column in member_import.mapping.items() if column in COLUMNS}


def purchase_import_map(member_import: MemberImport, mapping: dict[int, str]) -> MemberImport:
    """Set which column is which and check the file again with it (a task: a big file takes a while)."""
    chosen = set(mapping.values())
    if not chosen & {"phone", "card_number"}:
        raise ValidationFailed(_("Choose the column that holds the phone numbers or the card numbers."))
    if not {"amount", "occurred_at"} <= chosen:
        raise ValidationFailed(_("Choose the columns that hold the amount and the date."))
    if len(chosen) != len(mapping):
        raise ValidationFailed(_("Each field can come from one column only."))
    _queue(member_import, ImportStatus.VALIDATING, "loyalty.portal.tasks.purchase_import_check", mapping=mapping)
    return member_import


def purchase_import_start(member_import: MemberImport, *, skip_invalid: bool) -> MemberImport:
    if member_import.status != ImportStatus.VALIDATED:
        raise ValidationFailed(_("Check the file before importing it."), fields={"status": member_import.status})
    if member_import.errors and not skip_invalid:
        reason = _("Some rows are not valid: correct them, or choose to import the valid rows only.")
        raise ValidationFailed(reason, fields={"skip_invalid": reason})
    _queue(member_import, ImportStatus.RUNNING, "loyalty.portal.tasks.purchase_import_run", skip_invalid=skip_invalid)
    return member_import


def _plan(member_import: MemberImport):
    _header, rows = csv_rows(bytes(member_import.data))
    return purchases_plan(member_import.shop, rows, purchase_mapping_of(member_import))


def purchase_import_check(import_id: int) -> None:
    """The task: validate every row with the chosen mapping and record what the import would do."""
    member_import = MemberImport.objects.select_related("shop__program").get(pk=import_id, kind=ImportKind.PURCHASES)
    plan = _plan(member_import)
    MemberImport.objects.filter(pk=import_id).update(
        status=ImportStatus.VALIDATED,
        errors=_errors(plan),
        imported=len(plan.new),
        updated=plan.already,  # for purchases: rows whose receipt is recorded already
        skipped=plan.skipped,
    )


def purchase_import_run(import_id: int) -> None:
    """The task: write the import, all or nothing, recording its progress as it goes."""
    member_import = MemberImport.objects.select_related("shop__program", "created_by").get(
        pk=import_id, kind=ImportKind.PURCHASES
    )
    if member_import.status != ImportStatus.RUNNING:
        return  # a redelivered task of an import that finished
    plan = _plan(member_import)
    if plan.errors and not member_import.skip_invalid:
        _finish(import_id, ImportStatus.FAILED, errors=_errors(plan), failure=_("Some rows are not valid."))
        return
    actor = Actor(shop=member_import.shop, staff=member_import.created_by)
    with _ProgressNote(import_id) as note:
        try:
            result = purchases_import(plan=plan, actor=actor, progress=note)
        except Exception as error:
            _finish(import_id, ImportStatus.FAILED, failure=str(error)[:500])
            raise
    _finish(
        import_id, ImportStatus.DONE, imported=result.imported, updated=plan.already, skipped=result.skipped,
        errors=_errors(plan),
    )  # fmt: skip
