"""Celery tasks: each takes ids or a moment and calls a service."""

import requests
from celery import shared_task
from django.utils import timezone

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
