"""A real Celery worker process against Redis: a webhook queued after commit is delivered by the worker; a worker
killed in the middle of the expiry job leaves nothing half-done and the task runs again on the next worker."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

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

from .test_webhooks import Receiver

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://… (CI sets it)"),
]


def start_worker(pool: str = "solo", **env) -> subprocess.Popen:
    """`celery -A loyalty worker` on the test database, taking tasks from the same Redis as this process. Its
    output goes to a file (`worker_output` reads it): a pipe nobody reads would stop the worker once full."""
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open while the worker runs, closed with the test
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "loyalty.settings.test", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "loyalty", "worker", f"--pool={pool}", "--concurrency=1",
         "--loglevel=warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that a kill takes its pool's processes too
    )  # fmt: skip
    process.log = log
    return process


def worker_output(process: subprocess.Popen) -> str:
    process.log.seek(0)
    return process.log.read()


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def eager_off(transactional_db, monkeypatch):
    """Tasks go to Redis for a worker process, not run in this one; what earlier runs left queued is dropped."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    celery_app.control.purge()


@pytest.fixture
def worker(eager_off):
    process = start_worker()
    yield process
    stop_worker(process)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


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


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


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
                assert first.poll() is None, worker_output(first)
                os.killpg(first.pid, signal.SIGKILL)
                first.wait(timeout=20)
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
