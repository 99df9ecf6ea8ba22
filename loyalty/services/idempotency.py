"""Idempotency records for the till API: the first response per (shop, key) is kept and replayed."""

from __future__ import annotations

from datetime import datetime, timedelta

from loyalty.models import IdempotencyRecord

KEEP_DAYS = 30


def idempotency_purge(*, as_of: datetime) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=as_of - timedelta(days=KEEP_DAYS)).delete()
    return deleted
