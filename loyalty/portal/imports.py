"""The portal's member imports: an uploaded CSV file is kept with its column mapping, checked, then written by a
Celery task (loyalty.portal.tasks) through the same services as `manage.py members_import`, with its progress
kept where the page can poll it."""

from __future__ import annotations

import csv
import io

from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.errors import ValidationFailed
from loyalty.queue import enqueue_after_commit
from loyalty.services.csv_files import csv_rows
from loyalty.services.ledger import Actor
from loyalty.services.member_import import COLUMNS, columns_guess, import_plan
from loyalty.services.member_import_write import members_import

from .models import ImportStatus, MemberImport

MAX_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 5


def import_upload(*, shop, user, file_name: str, data: bytes) -> MemberImport:
    """Keep an uploaded file whose header can be read, with a first guess at its columns."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 50 MB."), fields={"file": "too large"})
    header, rows = csv_rows(data)
    guessed = columns_guess(header)
    return MemberImport.objects.create(
        shop=shop,
        created_by=user,
        file_name=file_name[:200],
        data=data,
        mapping={str(index): column for index, column in guessed.items()},
        rows=len(rows),
    )


def import_preview(member_import: MemberImport) -> tuple[list[str], list[list[str]]]:
    header, rows = csv_rows(bytes(member_import.data))
    return header, [cells for _number, cells in rows[:PREVIEW_ROWS]]


def mapping_of(member_import: MemberImport) -> dict[int, str]:
    return {int(index): column for index, column in member_import.mapping.items() if column in COLUMNS}


def import_map(member_import: MemberImport, mapping: dict[int, str]) -> MemberImport:
    """Set which column is which and check the file again with it (a task: a big file takes a while)."""
    if "phone" not in mapping.values():
        raise ValidationFailed(_("Choose the column that holds the phone numbers."))
    if len(set(mapping.values())) != len(mapping):
        raise ValidationFailed(_("Each field can come from one column only."))
    _queue(member_import, ImportStatus.VALIDATING, "loyalty.portal.tasks.member_import_check", mapping=mapping)
    return member_import


def import_start(member_import: MemberImport, *, skip_invalid: bool) -> MemberImport:
    if member_import.status != ImportStatus.VALIDATED:
        raise ValidationFailed(_("Check the file before importing it."), fields={"status": member_import.status})
    if member_import.errors and not skip_invalid:
        reason = _("Some rows are not valid: correct them, or choose to import the valid rows only.")
        raise ValidationFailed(reason, fields={"skip_invalid": reason})
    _queue(member_import, ImportStatus.RUNNING, "loyalty.portal.tasks.member_import_run", skip_invalid=skip_invalid)
    return member_import


def _queue(member_import: MemberImport, status: str, task: str, **fields) -> None:
    with transaction.atomic():
        updated = (
            MemberImport.objects.filter(pk=member_import.pk)
            .exclude(status__in=[ImportStatus.VALIDATING, ImportStatus.RUNNING, ImportStatus.DONE])
            .update(status=status, done=0, total=0, failure="", **fields)
        )
        if not updated:  # a double tap, or an import already running or done
            raise ValidationFailed(_("This import is already running or done."), fields={"status": "busy"})
        enqueue_after_commit(task, member_import.pk)
    member_import.refresh_from_db()


def _plan(member_import: MemberImport):
    _header, rows = csv_rows(bytes(member_import.data))
    return import_plan(member_import.shop, rows, mapping_of(member_import))


def _errors(plan) -> list:
    return [[error.row, error.column, str(error.reason)] for error in sorted(plan.errors, key=lambda e: e.row)]


def import_check(import_id: int) -> None:
    """The task: validate every row with the chosen mapping and record what the import would do."""
    member_import = MemberImport.objects.select_related("shop__program").get(pk=import_id)
    plan = _plan(member_import)
    MemberImport.objects.filter(pk=import_id).update(
        status=ImportStatus.VALIDATED,
        errors=_errors(plan),
        imported=plan.imported,
        updated=plan.updated,
        skipped=plan.skipped,
    )


def import_run(import_id: int) -> None:
    """The task: write the import, all or nothing, recording its progress as it goes."""
    member_import = MemberImport.objects.select_related("shop__program", "created_by").get(pk=import_id)
    if member_import.status != ImportStatus.RUNNING:
        return  # a redelivered task of an import that finished
    plan = _plan(member_import)
    if plan.errors and not member_import.skip_invalid:
        _finish(import_id, ImportStatus.FAILED, errors=_errors(plan), failure=_("Some rows are not valid."))
        return
    actor = Actor(shop=member_import.shop, staff=member_import.created_by)
    with _ProgressNote(import_id) as note:
        try:
            result = members_import(plan=plan, actor=actor, progress=note)
        except Exception as error:
            _finish(import_id, ImportStatus.FAILED, failure=str(error)[:500])
            raise
    _finish(
        import_id,
        ImportStatus.DONE,
        imported=result.imported,
        updated=result.updated,
        skipped=result.skipped,
        errors=_errors(plan),
    )


def _finish(import_id: int, status: str, **fields) -> None:
    MemberImport.objects.filter(pk=import_id).update(status=status, finished_at=timezone.now(), **fields)


class _ProgressNote:
    """Writes the progress from a second connection, committed at once, so the page sees it while the import's
    own transaction is still open. SQLite has one writer at a time, so there the page shows the import running
    until it is done."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.side = connections.create_connection("default") if connection.vendor == "postgresql" else None

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.side is None:
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {MemberImport._meta.db_table} SET done = %s, total = %s WHERE id = %s",
                [done, total, self.import_id],
            )

    def __exit__(self, *exc) -> None:
        if self.side is not None:
            self.side.close()


def errors_csv(member_import: MemberImport) -> str:
    """The invalid rows as a CSV file the owner opens beside their own: row, column, reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("column"), _("reason")])
    writer.writerows(member_import.errors)
    return "\ufeff" + out.getvalue()  # a BOM, so Excel reads the file as UTF-8
