"""Delivering a queued message: one send however many copies of the task run (a lease, a stable key for the
provider), the member judged again when it is sent, the welcome's sign-in link signed at sending and never
stored, the lost ones picked up again by the job, and a broker outage after a commit costing nothing."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from loyalty import tasks
from loyalty.member_site.access import member_from_link_token
from loyalty.models import Member, Message, MessageStatus
from loyalty.notifications import gateways
from loyalty.services import member_messages, notifications
from loyalty.services.jobs import run_all
from loyalty.services.message_delivery import SEND_LEASE, message_deliver, messages_due
from loyalty.services.notifications import notify
from loyalty.services.webhooks import webhook_emit, webhook_endpoint_create
from tests.factories import enrol

from .helpers import member_with

HTTP = "loyalty.notifications.gateways.HttpGateway"


def tier_up(member) -> Message:
    """A transactional message, recorded and queued (its task does not run: nothing commits in a test)."""
    return notify(member=member, event="tier_up", context={"tier": "Gold"})


def queued_birthday(member) -> Message:
    return notify(member=member, event="birthday", context={"points": 10})


# ---------------------------------------------------------------- once, however many tasks


def test_a_duplicate_task_arriving_while_the_gateway_answers_sends_nothing(shop, text_outbox, monkeypatch):
    message = tier_up(member_with(shop))
    send = gateways.LocmemGateway.send
    duplicates = []

    def slow_send(self, **kwargs):
        if not duplicates:  # the same task delivered again by the broker, while the first waits on the provider
            duplicates.append(message_deliver(message.pk))
        return send(self, **kwargs)

    monkeypatch.setattr(gateways.LocmemGateway, "send", slow_send)
    assert message_deliver(message.pk).status == MessageStatus.SENT
    message.refresh_from_db()
    assert len(text_outbox) == 1 and message.attempts == 1 and message.status == MessageStatus.SENT
    assert duplicates[0].status == MessageStatus.QUEUED, "the duplicate left it to the first"


def test_a_claim_whose_lease_ran_out_is_taken_over(shop, text_outbox):
    message = tier_up(member_with(shop))
    stale = timezone.now() - SEND_LEASE - timedelta(seconds=1)
    Message.objects.filter(pk=message.pk).update(claimed_at=stale, attempts=1)  # a worker died mid-send
    assert message_deliver(message.pk).status == MessageStatus.SENT
    message.refresh_from_db()
    assert message.attempts == 2 and len(text_outbox) == 1


def test_a_claim_still_held_is_left_alone(shop, text_outbox):
    message = tier_up(member_with(shop))
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(seconds=5), attempts=1)
    assert message_deliver(message.pk).status == MessageStatus.QUEUED and text_outbox == []


def test_the_lease_outlasts_two_gateway_timeouts():
    assert SEND_LEASE.total_seconds() > 2 * 2 * max(
        gateways.gateway_for(channel).timeout for channel in ("sms", "zalo")
    )


def test_a_failed_attempt_releases_the_claim_and_keeps_the_error(shop, monkeypatch):
    message = tier_up(member_with(shop))

    def refuse(self, **kwargs):
        raise gateways.GatewayError("HTTP 503: busy")

    monkeypatch.setattr(gateways.LocmemGateway, "send", refuse)
    with pytest.raises(gateways.GatewayError):
        message_deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.claimed_at, message.attempts) == (MessageStatus.QUEUED, None, 1)
    assert message.reason == "HTTP 503: busy"
    assert message_deliver(message.pk, last_attempt=True).status == MessageStatus.FAILED
    message.refresh_from_db()
    assert (message.status, message.attempts, message.reason) == (MessageStatus.FAILED, 2, "HTTP 503: busy")


def test_the_provider_gets_a_key_that_stays_the_same_for_every_attempt(shop, text_outbox, provider):
    server = provider(503, 200)
    message = tier_up(member_with(shop))
    config = {"BACKEND": HTTP, "URL": server.url, "TOKEN": "t", "SENDER": "S", "TIMEOUT": 5}
    with override_settings(SMS_GATEWAY=config):
        with pytest.raises(gateways.GatewayError):
            message_deliver(message.pk)
        message_deliver(message.pk)
    keys = [headers["Idempotency-Key"] for headers, _body in server.received]
    assert keys == [f"msg-{message.pk}", f"msg-{message.pk}"]


def test_a_mail_has_a_fixed_message_id_on_the_senders_domain(shop):
    message = tier_up(member_with(shop, email="lan@example.com"))
    with override_settings(DEFAULT_FROM_EMAIL="Cafe <hello@cafe.example>"):
        message_deliver(message.pk)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<msg-{message.pk}@cafe.example>"
    other = tier_up(member_with(shop, email="an@example.com"))
    with override_settings(DEFAULT_FROM_EMAIL="no-address"):
        message_deliver(other.pk)
    assert mail.outbox[1].extra_headers["Message-ID"] == f"<msg-{other.pk}@regulars.local>"


def test_the_locmem_and_console_gateways_take_the_key(capsys):
    assert gateways.LocmemGateway(channel="sms").send(to="+84901234567", subject="", body="hi", key="msg-1")
    assert gateways.outbox[-1].key == "msg-1"
    assert gateways.ConsoleGateway(channel="sms").send(to="+84901234567", subject="", body="hi", key="msg-1")


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_provider_refusing_the_request_fails_it_at_once(
    shop, provider, status, retries_run_eagerly, django_capture_on_commit_callbacks
):
    server = provider(status, 200)
    member = member_with(shop)
    config = {"BACKEND": HTTP, "URL": server.url, "TOKEN": "t", "SENDER": "S", "TIMEOUT": 5}
    with override_settings(SMS_GATEWAY=config), django_capture_on_commit_callbacks(execute=True):
        message = tier_up(member)
    message.refresh_from_db()
    assert len(server.received) == 1, "not retried: the same request would be refused again"
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.reason.startswith(f"HTTP {status}")


@pytest.mark.parametrize("status", [408, 429])
def test_a_provider_asking_to_wait_is_retried(
    shop, provider, status, retries_run_eagerly, django_capture_on_commit_callbacks
):
    server = provider(status, 200)
    member = member_with(shop)
    config = {"BACKEND": HTTP, "URL": server.url, "TOKEN": "t", "SENDER": "S", "TIMEOUT": 5}
    with override_settings(SMS_GATEWAY=config), django_capture_on_commit_callbacks(execute=True):
        message = tier_up(member)
    message.refresh_from_db()
    assert len(server.received) == 2 and (message.status, message.attempts) == (MessageStatus.SENT, 2)


# ---------------------------------------------------------------- the member judged again at sending


@pytest.mark.parametrize("change", ["erased", "merged", "no_consent"])
def test_a_marketing_message_is_skipped_when_the_member_changed_before_it_was_sent(shop, text_outbox, change):
    member = member_with(shop)
    message = queued_birthday(member)
    if change == "erased":
        Member.objects.filter(pk=member.pk).update(erased_at=timezone.now())
    elif change == "merged":
        Member.objects.filter(pk=member.pk).update(merged_into=member_with(shop))
    else:
        Member.objects.filter(pk=member.pk).update(marketing_consent=False)
    delivered = message_deliver(message.pk)
    assert (delivered.status, delivered.reason) == (MessageStatus.SKIPPED, change)
    message.refresh_from_db()
    assert (message.status, message.reason, message.claimed_at) == (MessageStatus.SKIPPED, change, None)
    assert text_outbox == []


def test_a_transactional_message_is_still_sent_after_consent_to_marketing_is_withdrawn(shop, text_outbox):
    member = member_with(shop)
    message = tier_up(member)
    Member.objects.filter(pk=member.pk).update(marketing_consent=False)
    assert message_deliver(message.pk).status == MessageStatus.SENT and len(text_outbox) == 1


def test_a_transactional_message_to_an_erased_member_is_skipped(shop, text_outbox):
    member = member_with(shop)
    message = tier_up(member)
    Member.objects.filter(pk=member.pk).update(erased_at=timezone.now())
    assert message_deliver(message.pk).reason == "erased" and text_outbox == []


# ---------------------------------------------------------------- the welcome's link


def test_the_welcome_is_stored_without_its_sign_in_link_and_sent_with_a_fresh_one(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = enrol(shop, email="new@example.com")
    message = Message.objects.get(member=member, event="welcome")
    assert message.status == MessageStatus.SENT
    assert "/m/link/" not in message.body and notifications.MEMBER_LINK in message.body
    [sent] = mail.outbox
    assert notifications.MEMBER_LINK not in sent.body
    token = sent.body.split("/m/link/", 1)[1].split("/", 1)[0]
    assert member_from_link_token(token) == member
    assert token not in Message.objects.get(pk=message.pk).body


# ---------------------------------------------------------------- lost tasks, broker outages


def test_the_job_requeues_messages_whose_task_was_lost(shop, text_outbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    member = member_with(shop)
    never_claimed, worker_died, in_backoff, lost_retries, just_queued, being_sent = (tier_up(member) for _ in range(6))
    Message.objects.filter(pk=never_claimed.pk).update(created_at=now - timedelta(minutes=10))
    Message.objects.filter(pk=worker_died.pk).update(
        created_at=now - timedelta(minutes=10), claimed_at=now - SEND_LEASE - timedelta(minutes=1), attempts=1
    )
    Message.objects.filter(pk=in_backoff.pk).update(created_at=now - timedelta(minutes=10), attempts=2)
    Message.objects.filter(pk=lost_retries.pk).update(created_at=now - timedelta(hours=3), attempts=2)
    Message.objects.filter(pk=being_sent.pk).update(
        created_at=now - timedelta(minutes=10), claimed_at=now - timedelta(seconds=5), attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_due(as_of=now) == 3
    sent = set(Message.objects.filter(status=MessageStatus.SENT).values_list("pk", flat=True))
    assert sent == {never_claimed.pk, worker_died.pk, lost_retries.pk}
    assert len(text_outbox) == 3
    assert {m.status for m in (just_queued, in_backoff, being_sent)} == {MessageStatus.QUEUED}


def test_run_all_requeues_lost_messages(shop):
    message = tier_up(member_with(shop))
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert run_all(as_of=timezone.now())["messages_requeued"] == 1


def test_a_notify_task_retries_when_the_database_is_away(monkeypatch, retries_run_eagerly):
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(member_messages, "welcome_send", flaky)
    tasks.notify_welcome.delay(7)
    assert calls == [{"member_id": 7}, {"member_id": 7}]
    for task in (tasks.notify_welcome, tasks.notify_purchase, tasks.notify_tier_up):
        assert task.acks_late and task.retry_backoff and OperationalError in task.autoretry_for


def test_a_broker_outage_after_the_commit_does_not_undo_an_enrolment_or_a_purchase(
    shop, monkeypatch, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from loyalty.services.purchases import purchase_record

    def down(*args, **kwargs):
        raise BrokerDown("[Errno 111] Connection refused")

    for name in ("notify_welcome", "notify_purchase", "deliver_message", "deliver_webhook"):
        monkeypatch.setattr(tasks, name, SimpleNamespace(delay=down))
    webhook_endpoint_create(shop=shop, url="https://hooks.example.com/x")
    with django_capture_on_commit_callbacks(execute=True):
        member = enrol(shop, email="new@example.com")
        purchase_record(shop=shop, external_id="B-1", amount=Decimal("100000"), member=member)
        tier_up(member)
        webhook_emit(shop, "points.changed", {"change": 1})
    assert Member.objects.filter(pk=member.pk).exists() and shop.purchases.filter(external_id="B-1").exists()
