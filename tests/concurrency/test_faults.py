"""Faults in the middle of a purchase, against real PostgreSQL: the database connection terminated inside the
transaction, and the process dying after the commit but before the answer. Either way nothing is half-done and
the till's retry with the same Idempotency-Key ends with exactly one purchase."""

import json
import queue
import threading
from decimal import Decimal

import pytest
from django.db import connection

from loyalty import hooks
from loyalty.models import Account, IdempotencyRecord, LedgerEntry, Purchase
from loyalty.services.api_keys import api_key_create
from loyalty.services.invariants import ledger_violations
from tests.factories import ProgramFactory, enrol
from tests.till import TillClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def till(transactional_db):
    shop = ProgramFactory(earn_per_amount=Decimal("40000")).shop
    member = enrol(shop)
    _, raw = api_key_create(shop=shop, role="cashier")
    body = json.dumps({"external_id": "FAULT-1", "amount": "100000", "member": str(member.pk)})

    def post(key="fault-key"):
        return TillClient(raise_request_exception=True).post(
            "/api/v1/purchases",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    return post, member


def in_thread(work):
    """`work()` in a thread of its own (its own database connection); its result or exception."""
    outcome = queue.Queue()

    def run():
        try:
            outcome.put(work())
        except BaseException as error:  # judged by the test
            outcome.put(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the request is stuck"
    return outcome.get_nowait()


def assert_nothing_recorded(member):
    assert not Purchase.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert Account.objects.get(pk=member.account_id).points_balance == 0


def test_a_connection_terminated_inside_the_purchase_leaves_nothing_and_the_retry_succeeds(till):
    """The purchase's backend is terminated (pg_terminate_backend) after its rows are written, before the commit.
    Committing the connection's work anyway (an autocommit slip in the purchase path) fails the first check."""
    post, member = till
    reached, release = queue.Queue(), threading.Event()

    def pause_inside_the_transaction(event):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            reached.put(cursor.fetchone()[0])
        release.wait(timeout=30)

    stop = hooks.subscribe(hooks.PurchaseRecorded, pause_inside_the_transaction)
    worker = threading.Thread(target=lambda: results.append(in_thread(post)))
    results = []
    worker.start()
    pid = reached.get(timeout=30)
    stop()  # the retry runs without the pause
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    release.set()
    worker.join(timeout=60)

    failed = results[0]
    assert failed.status_code == 500 and "safe to retry" in failed.json()["error"]["message"], failed
    assert_nothing_recorded(member)
    assert not IdempotencyRecord.objects.exists(), "the key of a request that did not happen is free again"

    retry = in_thread(post)
    assert retry.status_code == 201, retry.content
    assert Purchase.objects.count() == 1 and retry.json()["points_earned"] == 2
    assert ledger_violations() == []


class ProcessKilled(BaseException):
    """Stands for the worker process dying: nothing in the request's stack catches it."""


def test_a_request_that_dies_after_its_commit_is_answered_by_the_retry_with_the_stored_response(till):
    """The process dies between the commit and the answer; the till never heard back and retries. Storing the
    response after the commit (or not at all) makes the retry record a second purchase or answer differently."""
    post, member = till

    def die_after_the_commit(event):
        def die():
            raise ProcessKilled

        connection.on_commit(die)

    stop = hooks.subscribe(hooks.PurchaseRecorded, die_after_the_commit)
    try:
        lost = in_thread(post)
    finally:
        stop()
    assert isinstance(lost, ProcessKilled), lost
    purchase = Purchase.objects.get()

    retry = in_thread(post)
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == str(purchase.pk)
    assert Purchase.objects.count() == 1 and LedgerEntry.objects.filter(kind="earn").count() == 1
    assert Account.objects.get(pk=member.account_id).points_balance == 2
    assert ledger_violations() == []
