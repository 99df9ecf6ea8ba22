"""Idempotency records for the till API: the first response per (shop, key) is kept and replayed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from loyalty.models import IdempotencyRecord

from .sql import insert_unless_conflict

KEEP_DAYS = 30


def idempotency_purge(*, as_of: datetime) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=as_of - timedelta(days=KEEP_DAYS)).delete()
    return deleted


def idempotency_store(*, shop_id: int, key: str, fingerprint: str, response) -> bool:
    """Store the response as the key's first, in the caller's transaction: one INSERT that the unique index of
    (shop, key) decides. False when the key is taken (by a request that committed, or commits meanwhile)."""
    record = IdempotencyRecord(
        shop_id=shop_id, key=key, fingerprint=fingerprint, status=response.status_code, body=response.content
    )
    return insert_unless_conflict(record, unique=("shop", "key"))


def idempotency_claim(*, shop_id: int, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Insert the key's record in the caller's transaction, or None if it exists: one INSERT … ON CONFLICT DO
    NOTHING, no savepoint. A concurrent first request holds the unique index until it commits, so when this
    finds a conflict the first outcome is stored (or rolled back, and then this insert wins)."""
    table = IdempotencyRecord._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (shop_id, key, fingerprint, created_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (shop_id, key) DO NOTHING RETURNING id",
            [shop_id, key, fingerprint, connection.ops.adapt_datetimefield_value(now)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotencyRecord(pk=row[0], shop_id=shop_id, key=key, fingerprint=fingerprint, created_at=now)
