"""Workers killed (SIGKILL) in the middle of sending something, against Redis and PostgreSQL: the receiving side
holds the request open until the test has killed the worker, so the kill always comes after the receiver has the
webhook or the mail and before the worker could record it. A new worker gets the unacknowledged task again
(acks_late, a short visibility timeout) and the records end as a clean run leaves them: one delivery per event,
recorded once. What the receiver sees is what the design promises, at least once with an id that stays the
same (the X-Regulars-Delivery header and the body's id for webhooks, the Message-ID for mail)."""

from collections import Counter

from django.db.models import F

from loyalty.models import Message, MessageStatus, WebhookDelivery
from loyalty.services.message_delivery import SEND_LEASE
from loyalty.services.webhooks import webhook_endpoint_create
from tests.factories import ProgramFactory, enrol

from .celery_worker import WORKER_MARKS, kill_worker, start_worker, stop_worker, wait_for
from .mail_server import MailServer
from .test_webhooks import Receiver

pytestmark = WORKER_MARKS
QUICK_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "2"}


def killed_while_held(server, **env) -> None:
    """Start a worker (prefork: the pool's process sends while the main process could acknowledge early), wait
    until `server` holds its first request, kill the worker, then let the server go on."""
    worker = start_worker("prefork", **QUICK_REDELIVERY, **env)
    try:
        wait_for(lambda: server.holding.is_set() or worker.poll() is not None, "the worker to send")
        kill_worker(worker)
    finally:
        stop_worker(worker)
        server.release()


def delivery_outcome(delivery: WebhookDelivery) -> tuple:
    return (
        delivery.event,
        delivery.status,
        delivery.attempts,
        delivery.last_status_code,
        delivery.last_error,
        delivery.next_attempt_at,
        delivery.delivered_at is not None,
    )


def test_a_worker_killed_with_a_webhook_in_flight_leaves_one_delivery_a_new_worker_completes_once(eager_off):
    """Nothing of the cut attempt is recorded; the redelivered task POSTs the same delivery again (at least once:
    the same delivery id, body and signature, which receivers de-duplicate by) and records it delivered, as a
    clean delivery on the same worker is recorded."""
    receiver = Receiver([], hold_first=True)
    try:
        shop = ProgramFactory().shop
        webhook_endpoint_create(shop=shop, url=receiver.url, events=["member.enrolled"])
        cut = enrol(shop)  # commits; on_commit sends the task to Redis
        killed_while_held(receiver)
        crashed = WebhookDelivery.objects.get()
        assert (crashed.status, crashed.attempts, crashed.delivered_at) == ("pending", 0, None), "nothing half-done"

        second = start_worker(**QUICK_REDELIVERY)
        try:
            wait_for(lambda: WebhookDelivery.objects.filter(status="succeeded").exists(), "the redelivered task")
            clean = enrol(shop)
            wait_for(lambda: WebhookDelivery.objects.filter(status="succeeded").count() == 2, "a clean delivery")
        finally:
            stop_worker(second)

        crashed, clean_delivery = (
            WebhookDelivery.objects.get(body__contains=f'"member": "{m.pk}"') for m in (cut, clean)
        )
        assert WebhookDelivery.objects.count() == 2
        assert delivery_outcome(crashed) == delivery_outcome(clean_delivery)
        assert delivery_outcome(crashed) == ("member.enrolled", "succeeded", 1, 200, "", None, True)
        posts = Counter(headers["X-Regulars-Delivery"] for headers, _body in receiver.received)
        assert posts == {str(crashed.pk): 2, str(clean_delivery.pk): 1}
        cut_attempt, again = (post for post in receiver.received if post[0]["X-Regulars-Delivery"] == str(crashed.pk))
        assert cut_attempt[1] == again[1] == crashed.body.encode()
        assert f'"id": "{crashed.pk}"' in crashed.body
        assert cut_attempt[0]["X-Signature"] == again[0]["X-Signature"]
    finally:
        receiver.close()


def message_outcome(message: Message) -> tuple:
    return (message.event, message.status, message.reason, message.claimed_at, message.sent_at is not None)


def test_a_worker_killed_between_sending_a_mail_and_recording_it_sends_every_message_once(eager_off):
    """Three welcome mails through SMTP; the worker is killed after the server accepted the first one, before
    send() returned. The message stays queued under the dead attempt's lease; once the lease has run out (in
    production the visibility timeout, an hour, outlasts the five-minute lease; here the lease is moved back) the
    redelivered task sends it again with the same Message-ID, and every message is recorded sent exactly once,
    as a clean send on the same worker is. The record keeps the attempt the kill cut short."""
    mail = MailServer(hold_first=True)
    try:
        shop = ProgramFactory().shop
        members = [enrol(shop, email=f"regular{number}@example.com") for number in range(3)]
        killed_while_held(mail, **mail.worker_env)
        assert not Message.objects.filter(status=MessageStatus.SENT).exists(), "nothing recorded as sent"
        held = Message.objects.filter(status=MessageStatus.QUEUED, claimed_at__isnull=False)
        cut = held.get()  # the attempt the kill cut short: claimed, its mail accepted, not recorded
        held.update(claimed_at=F("claimed_at") - SEND_LEASE)

        second = start_worker(**QUICK_REDELIVERY, **mail.worker_env)
        try:
            wait_for(lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 3, "the three messages")
            members.append(enrol(shop, email="clean@example.com"))
            wait_for(lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 4, "a clean send")
        finally:
            stop_worker(second)

        messages = {message.member_id: message for message in Message.objects.all()}
        assert sorted(messages) == sorted(member.pk for member in members), "one message per member"
        clean = messages[members[-1].pk]
        assert {message_outcome(message) for message in messages.values()} == {message_outcome(clean)}
        assert message_outcome(clean) == ("welcome", "sent", "", None, True)
        assert {pk: message.attempts for pk, message in messages.items()} == {
            member.pk: 2 if member.pk == cut.member_id else 1 for member in members
        }
        mails = Counter((mail["Message-ID"], mail["To"]) for mail in mail.received)
        assert mails == {
            (f"<msg-{message.pk}@regulars.local>", message.to): 2 if message.pk == cut.pk else 1
            for message in messages.values()
        }
    finally:
        mail.close()
