"""Webhooks: events recorded as deliveries in the same transaction as the change they announce, then POSTed
by Celery after commit, signed with HMAC-SHA256, retried with exponential backoff, logged, re-sendable."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import WEBHOOK_EVENTS, DeliveryStatus, Shop, WebhookDelivery, WebhookEndpoint
from loyalty.queue import enqueue_after_commit

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
TIMEOUT_SECONDS = 10
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … after the 1st, 2nd, 3rd … failed attempt."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempts - 1))


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip())
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and (local or settings.DEBUG)):
        raise ValidationFailed(fields={"url": "must be an https:// address"})
    if not parts.hostname:
        raise ValidationFailed(fields={"url": "must include a host"})
    return url.strip()


def webhook_endpoint_create(*, shop: Shop, url: str, events: list[str] | None = None) -> WebhookEndpoint:
    unknown = sorted(set(events or []) - set(WEBHOOK_EVENTS))
    if unknown:
        raise ValidationFailed(fields={"events": f"unknown event {unknown[0]}"})
    return WebhookEndpoint.objects.create(shop=shop, url=_checked_url(url), events=list(events or []))


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    return endpoint


_ENDPOINTS: dict[int, tuple] = {}  # per process: shop id → (its webhooks_changed_at, its active endpoints)


def _endpoints(shop: Shop) -> list[WebhookEndpoint]:
    """The shop's active endpoints, read once per change of them: every endpoint write stamps the shop's
    webhooks_changed_at (loyalty/signals.py), so a cached list is used only while the shop row says it is current."""
    version = (shop.created_at, shop.webhooks_changed_at)  # created_at: a shop id used again is another shop
    cached = _ENDPOINTS.get(shop.pk)
    if cached is None or cached[0] != version:
        cached = _ENDPOINTS[shop.pk] = (version, list(WebhookEndpoint.objects.filter(shop=shop, active=True)))
    return cached[1]


def endpoints_forget(shop_id: int) -> None:
    """This process's copy of the shop's endpoints is stale (other processes see the shop's new stamp)."""
    _ENDPOINTS.pop(shop_id, None)


def webhook_emit(shop: Shop, event: str, data, *, at: datetime | None = None) -> list[WebhookDelivery]:
    """Record the event for every subscribed endpoint; Celery delivers it once the transaction commits.
    `data` may be a callable, so that a shop without endpoints pays nothing to build it."""
    assert event in WEBHOOK_EVENTS, event
    endpoints = [e for e in _endpoints(shop) if e.wants(event)]
    if not endpoints:
        return []
    at = at or timezone.now()
    data = data() if callable(data) else data
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=at)
        delivery.body = json.dumps(
            {"id": str(delivery.id), "event": event, "shop": shop.slug, "created_at": at, "data": data},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            sort_keys=True,
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        _queue(delivery.pk)
    return deliveries


def points_changed(shop: Shop, account, *, change: int, reason: str) -> None:
    """points.changed for the shop's member holding the account."""

    def data():
        member_id = account.members.filter(shop=shop).values_list("pk", flat=True).first()
        return {
            "member": str(member_id),
            "change": change,
            "reason": reason,
            "balance": account.points_balance,
            "lifetime_earned": account.lifetime_earned,
        }

    webhook_emit(shop, "points.changed", data)


def tier_changed(shop: Shop, account_id: int, from_code: str | None, to_code: str | None) -> None:
    def data():
        member_id = shop.members.filter(account_id=account_id).values_list("pk", flat=True).first()
        return {"member": str(member_id), "from": from_code, "to": to_code}

    webhook_emit(shop, "tier.changed", data)


def _queue(delivery_id) -> None:
    """Hand the delivery to Celery once the transaction that recorded it commits (at once outside one); a broker
    that is down loses the task, not the change: webhooks_due re-queues it."""
    enqueue_after_commit("loyalty.tasks.deliver_webhook", str(delivery_id))


def webhook_attempt(delivery_id: str, *, post, now: datetime | None = None) -> WebhookDelivery:
    """One attempt: POST the stored body with its signature and record the answer. `post(url, body, headers)`
    returns (status_code, text) or raises OSError-like errors; the task passes the real HTTP client."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery  # delivered or given up meanwhile: a duplicate task changes nothing
    if not delivery.endpoint.active:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.last_error = "the endpoint was disabled"
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return delivery
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Regulars-Webhooks/1",
        "X-Signature": signature(delivery.endpoint.secret, body),
        "X-Regulars-Event": delivery.event,
        "X-Regulars-Delivery": str(delivery.pk),
    }
    delivery.attempts += 1
    try:
        code, text = post(delivery.endpoint.url, body, headers)
        delivery.last_status_code, delivery.last_response, delivery.last_error = code, text[:2000], ""
        succeeded = 200 <= code < 300
    except Exception as error:  # noqa: BLE001 - any transport failure is a failed attempt to retry
        delivery.last_status_code, delivery.last_response = None, ""
        delivery.last_error = f"{type(error).__name__}: {error}"[:500]
        succeeded = False
    if succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save()
    return delivery


def webhook_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """From the portal: send a delivery again (the same body and id, so receivers can de-duplicate)."""
    delivery.status, delivery.next_attempt_at, delivery.attempts = DeliveryStatus.PENDING, timezone.now(), 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    _queue(delivery.pk)
    return delivery


def webhooks_due(*, as_of: datetime) -> int:
    """The job's safety net: pending deliveries whose retry time has passed (a lost task, a restarted worker)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=as_of - timedelta(seconds=TIMEOUT_SECONDS * 6)
        ).values_list("pk", flat=True)[:1000]
    )
    for delivery_id in due:
        _queue(delivery_id)
    return len(due)
