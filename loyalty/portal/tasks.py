"""The portal's Celery tasks: each takes an import's id and calls loyalty.portal.imports."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def member_import_check(import_id: int) -> None:
    imports.import_check(import_id)


@shared_task(acks_late=True)
def member_import_run(import_id: int) -> None:
    imports.import_run(import_id)
