"""Webhooks: endpoints, events recorded with their changes, signed delivery to a real local HTTP server,
retries with backoff until a failing receiver recovers, and re-sending."""

import contextlib
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import WebhookDelivery
from loyalty.services.purchases import purchase_record
from loyalty.services.webhooks import (
    MAX_ATTEMPTS,
    retry_delay,
    signature,
    webhook_attempt,
    webhook_endpoint_create,
    webhook_resend,
)
from loyalty.tasks import _http_post
from tests.factories import enrol


class Receiver:
    """A local HTTP server that answers the status codes it is given, in order, and keeps what it got.
    With `hold_first`, the first POST is kept and its answer waits for `release()` (`holding` is set meanwhile):
    a sender killed then never learns that it was received."""

    def __init__(self, statuses, *, hold_first: bool = False):
        self.statuses, self.received = list(statuses), []
        self.holding, self._released = threading.Event(), threading.Event()
        self._hold = hold_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                receiver._wait_if_held()
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try later")

            def handle(self):
                with contextlib.suppress(ConnectionError):  # the sender died waiting for the answer
                    super().handle()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _wait_if_held(self):
        if self._hold:
            self._hold = False
            self.holding.set()
            self._released.wait(timeout=60)

    def release(self):
        self._released.set()

    def close(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*statuses):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for server in made:
        server.close()


def test_endpoints_must_be_https_except_on_this_machine(shop):
    with pytest.raises(ValidationFailed):
        webhook_endpoint_create(shop=shop, url="http://example.com/hook")
    with pytest.raises(ValidationFailed):
        webhook_endpoint_create(shop=shop, url="https://example.com/hook", events=["pizza.ordered"])
    assert webhook_endpoint_create(shop=shop, url="https://example.com/hook").secret.startswith("whsec_")


def test_a_purchase_records_its_events_for_subscribed_endpoints_only(shop, django_capture_on_commit_callbacks):
    everything = webhook_endpoint_create(shop=shop, url="https://example.com/all")
    enrolments = webhook_endpoint_create(shop=shop, url="https://example.com/members", events=["member.enrolled"])
    member = enrol(shop)
    with django_capture_on_commit_callbacks() as queued:
        purchase_record(shop=shop, external_id="W-1", amount=Decimal("100000"), member=member)
    events = sorted(WebhookDelivery.objects.filter(endpoint=everything).values_list("event", flat=True))
    assert events == ["member.enrolled", "points.changed", "purchase.recorded"]
    assert list(WebhookDelivery.objects.filter(endpoint=enrolments).values_list("event", flat=True)) == [
        "member.enrolled"
    ]
    # The two deliveries go to Celery after commit; no receipt task: this member has no email, and texted receipts
    # are off unless the shop turns them on.
    assert len(queued) == 2
    body = json.loads(WebhookDelivery.objects.get(event="purchase.recorded").body)
    assert body["data"]["external_id"] == "W-1" and body["data"]["points_earned"] == 2 and body["shop"] == shop.slug


def test_delivery_is_signed_with_the_endpoints_secret(shop, receiver):
    server = receiver(200)
    endpoint = webhook_endpoint_create(shop=shop, url=server.url)
    enrol(shop)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    done = webhook_attempt(str(delivery.pk), post=_http_post)
    assert done.status == "succeeded" and done.attempts == 1 and done.last_status_code == 200
    headers, body = server.received[0]
    expected = "sha256=" + hmac.new(endpoint.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == expected == signature(endpoint.secret, body)
    assert json.loads(body)["event"] == "member.enrolled"


def test_a_failing_receiver_is_retried_with_backoff_until_it_succeeds(shop, receiver):
    server = receiver(500, 503)
    endpoint = webhook_endpoint_create(shop=shop, url=server.url)
    enrol(shop)
    delivery_id = str(WebhookDelivery.objects.get(endpoint=endpoint).pk)
    now = timezone.now()
    first = webhook_attempt(delivery_id, post=_http_post, now=now)
    assert (first.status, first.last_status_code, first.next_attempt_at) == (
        "pending",
        500,
        now + timedelta(seconds=30),
    )
    second = webhook_attempt(delivery_id, post=_http_post, now=now)
    assert second.next_attempt_at == now + timedelta(seconds=60) and second.last_response == "try later"
    third = webhook_attempt(delivery_id, post=_http_post, now=now)
    assert third.status == "succeeded" and third.attempts == 3
    assert len({body for _, body in server.received}) == 1, "every attempt sends the same body"
    assert webhook_attempt(delivery_id, post=_http_post).attempts == 3, "a delivered event is not sent again"


def test_an_unreachable_receiver_gives_up_after_the_last_attempt_and_can_be_resent(shop, receiver):
    endpoint = webhook_endpoint_create(shop=shop, url="http://127.0.0.1:9/unreachable")
    enrol(shop)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    for _ in range(MAX_ATTEMPTS):
        delivery = webhook_attempt(str(delivery.pk), post=_http_post)
    assert delivery.status == "failed" and "Connection" in delivery.last_error
    server = receiver(200)
    endpoint.url = server.url
    endpoint.save()
    webhook_resend(delivery=delivery)
    assert webhook_attempt(str(delivery.pk), post=_http_post).status == "succeeded"


def test_backoff_doubles():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_nothing_more_is_sent_to_a_disabled_endpoint(shop, receiver):
    from loyalty.services.webhooks import webhook_endpoint_disable

    server = receiver(200)
    endpoint = webhook_endpoint_create(shop=shop, url=server.url)
    enrol(shop)
    webhook_endpoint_disable(endpoint=endpoint)
    delivery = webhook_attempt(str(WebhookDelivery.objects.get().pk), post=_http_post)
    assert delivery.status == "failed" and delivery.last_error == "the endpoint was disabled" and not server.received


def test_the_expiry_job_announces_points_changed(program, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from loyalty.services.jobs import run_all

    program.expiry_policy, program.expiry_days = "days_after_earn", 30
    program.save()
    shop = program.shop
    webhook_endpoint_create(shop=shop, url="https://example.com/points", events=["points.changed"])
    member = enrol(shop)
    purchase_record(shop=shop, external_id="X-1", amount=Decimal("100000"), member=member)
    run_all(as_of=timezone.now() + timedelta(days=31))
    bodies = [json.loads(d.body)["data"] for d in WebhookDelivery.objects.order_by("created_at")]
    assert [(b["change"], b["reason"]) for b in bodies] == [(2, "purchase"), (-2, "expire")]
    assert bodies[-1]["member"] == str(member.pk) and bodies[-1]["balance"] == 0
