"""A real Celery worker process against Redis: a webhook queued after commit is delivered by the worker, and
the test sees the delivery's effect in the database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from loyalty.celery import app as celery_app
from loyalty.models import WebhookDelivery
from loyalty.services.webhooks import webhook_endpoint_create
from tests.factories import ProgramFactory, enrol

from .test_webhooks import Receiver

BROKER = os.environ.get("CELERY_BROKER_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://… (CI sets it)"),
]


@pytest.fixture
def worker(transactional_db, monkeypatch):
    """`celery -A loyalty worker` on the test database, sending from this process to the same Redis."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "loyalty.settings.test",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "loyalty",
            "worker",
            "--pool=solo",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


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
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else "the worker exited"
        assert delivery.status == "succeeded", (delivery.status, delivery.last_error)
        assert f'"member": "{member.pk}"' in receiver.received[0][1].decode()
    finally:
        receiver.close()
