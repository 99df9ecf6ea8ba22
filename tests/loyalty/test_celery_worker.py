"""A real Celery worker process against Redis: a webhook queued after commit is delivered by the worker; a worker
killed in the middle of the expiry job leaves nothing half-done and the task runs again on the next worker."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from loyalty.celery import app as celery_app
from loyalty.models import Account, LedgerEntry, WebhookDelivery
from loyalty.models.ledger import EntryKind
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.invariants import ledger_violations
from loyalty.services.purchases import purchase_record
from loyalty.services.webhooks import webhook_endpoint_create
from loyalty.tasks import run_periodic_jobs
from tests.factories import ProgramFactory, enrol

from .celery_worker import WORKER_MARKS, kill_worker, start_worker, stop_worker, wait_for, worker_output
from .test_webhooks import Receiver

pytestmark = WORKER_MARKS


@pytest.fixture
def worker(eager_off):
    process = start_worker()
    yield process
    stop_worker(process)


def test_a_worker_delivers_a_webhook_queued_by_an_enrolment(worker):
    receiver = Receiver([200])
    try:
        shop = ProgramFactory().shop
        webhook_endpoint_create(shop=shop, url=receiver.url, events=["member.enrolled"])
        member = enrol(shop)  # commits; on_commit sends the task to Redis
        deadline = time.monotonic() + 60
        delivery = WebhookDelivery.objects.get()
        while delivery.status == "pending" and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
            delivery.refresh_from_db()
        assert worker.poll() is None, worker_output(worker)
        assert delivery.status == "succeeded", (delivery.status, delivery.last_error)
        assert f'"member": "{member.pk}"' in receiver.received[0][1].decode()
    finally:
        receiver.close()


def lock_waiters() -> int:
    """Other sessions waiting for a lock; asked inside a transaction, which would otherwise keep its first view."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_in_the_middle_of_the_expiry_job_leaves_the_ledger_a_clean_run_leaves(eager_off):
    """The expiry job's worker is killed (SIGKILL) while its transaction waits for an account's lock; a new worker
    gets the unacknowledged task again (acks_late, a short visibility timeout) and expires every lot exactly
    once, with one webhook delivery per account. Acknowledging before the run (acks_late=False) loses the job:
    the wait for the lots times out."""
    receiver = Receiver([])
    try:
        program = ProgramFactory(expiry_policy=ExpiryPolicy.DAYS_AFTER_EARN, expiry_days=30)
        shop = program.shop
        webhook_endpoint_create(shop=shop, url=receiver.url, events=["points.changed"])
        long_ago = timezone.now() - timedelta(days=60)
        members = [enrol(shop) for _ in range(12)]
        for number, member in enumerate(members):
            purchase_record(shop=shop, external_id=f"OLD-{number}", amount=Decimal("400000"), member=member,
                            occurred_at=long_ago)  # fmt: skip
        WebhookDelivery.objects.all().delete()
        celery_app.control.purge()  # the welcome messages and purchase webhooks: this test is about the job
        last = members[-1].account_id

        # prefork: the pool's process runs the task while the main process could acknowledge it early.
        first = start_worker("prefork", CELERY_VISIBILITY_TIMEOUT="2")
        try:
            with transaction.atomic():
                Account.objects.select_for_update().get(pk=last)  # the job will wait here, mid-transaction
                run_periodic_jobs.delay()
                wait_for(lambda: lock_waiters() > 0 or first.poll() is not None, "the job to wait for the lock")
                kill_worker(first)
        finally:
            stop_worker(first)
        assert not LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).exists(), "the killed run left nothing"

        second = start_worker(CELERY_VISIBILITY_TIMEOUT="2")
        try:
            wait_for(lambda: not LedgerEntry.objects.filter(remaining__gt=0).exists(), "the redelivered job")
        finally:
            stop_worker(second)
        expired = LedgerEntry.objects.filter(kind=EntryKind.EXPIRE)
        assert expired.count() == 12 and {entry.points for entry in expired} == {-10}
        assert set(Account.objects.filter(program=program).values_list("points_balance", flat=True)) == {0}
        assert WebhookDelivery.objects.filter(event="points.changed").count() == 12
        assert ledger_violations() == []
    finally:
        receiver.close()
