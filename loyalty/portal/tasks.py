"""The portal's Celery tasks: each takes an import's or a bulk action's id and calls loyalty.portal.imports or .bulk."""

from celery import shared_task

from . import bulk, imports, purchase_imports


@shared_task(acks_late=True)
def member_import_check(import_id: int) -> None:
    imports.import_check(import_id)


@shared_task(acks_late=True)
def member_import_run(import_id: int) -> None:
    imports.import_run(import_id)


@shared_task(acks_late=True)
def bulk_action_run(action_id: int) -> None:
    bulk.bulk_run(action_id)


@shared_task(acks_late=True)
def purchase_import_check(import_id: int) -> None:
    purchase_imports.purchase_import_check(import_id)


@shared_task(acks_late=True)
def purchase_import_run(import_id: int) -> None:
    purchase_imports.purchase_import_run(import_id)
