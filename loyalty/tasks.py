"""Celery tasks: each takes ids or a moment and calls a service."""

import requests
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from loyalty.notifications.gateways import GatewayError
from loyalty.services import member_messages, message_delivery
from loyalty.services.jobs import run_all
from loyalty.services.webhooks import TIMEOUT_SECONDS, webhook_attempt


@shared_task(acks_late=True)
def run_periodic_jobs() -> dict:
    return run_all(as_of=timezone.now())


def _http_post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    return response.status_code, response.text


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: str) -> str:
    delivery = webhook_attempt(delivery_id, post=_http_post)
    if delivery.status == "pending" and delivery.next_attempt_at:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        raise self.retry(countdown=countdown)
    return delivery.status


@shared_task(bind=True, acks_late=True, max_retries=message_delivery.MAX_ATTEMPTS - 1)
def deliver_message(self, message_id: int) -> str | None:
    """Send a queued message; a gateway error is retried with exponential backoff, the last one marks it failed."""
    last_attempt = self.request.retries >= self.max_retries
    try:
        message = message_delivery.message_deliver(message_id, last_attempt=last_attempt)
    except GatewayError as error:
        countdown = message_delivery.message_retry_delay(self.request.retries + 1)
        raise self.retry(exc=error, countdown=countdown) from error
    return message.status if message else None


# The notify tasks decide and record messages: a database that is away for a moment (a failover, a restart, a
# dropped connection) is retried with backoff rather than losing the message; their dedupe keys make a retry
# of a half-done run record nothing twice.
NOTIFY_TASK = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**NOTIFY_TASK)
def notify_welcome(member_id: int) -> None:
    member_messages.welcome_send(member_id=member_id)


@shared_task(**NOTIFY_TASK)
def notify_purchase(purchase_id: int) -> None:
    member_messages.purchase_notify(purchase_id=purchase_id)


@shared_task(**NOTIFY_TASK)
def notify_tier_up(tier_change_id: int) -> None:
    member_messages.tier_up_notify(tier_change_id=tier_change_id)
