"""API keys: bearer auth, roles and the per-key rate limit."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from ninja.errors import AuthorizationError, Throttled
from ninja.security import HttpBearer

from loyalty.models import ApiKey, Location, Program, Role, Shop
from loyalty.models.api_keys import hash_key
from loyalty.services.ledger import Actor
from loyalty.services.sql import select_joined, table

LAST_USED_EVERY = 60  # seconds: last_used_at is written at most this often per key


def api_key_resolve(raw: str) -> ApiKey | None:
    """The key with its shop, the shop's program and its location, in one statement on every till request."""
    if not raw or len(raw) > 200:
        return None
    rows = select_joined(
        [(ApiKey, "k"), (Shop, "s"), (Program, "p"), (Location, "l")],
        f"FROM {table(ApiKey)} k JOIN {table(Shop)} s ON s.id = k.shop_id"
        f" LEFT JOIN {table(Program)} p ON p.shop_id = s.id LEFT JOIN {table(Location)} l ON l.id = k.location_id"
        " WHERE k.key_hash = %s",
        [hash_key(raw)],
    )
    if not rows or rows[0][0].revoked_at is not None:
        return None
    key, shop, program, location = rows[0]
    key.shop, key.location = shop, location
    Shop.program.related.set_cached_value(shop, program)  # None too: a shop without a program is known as such
    if program is not None:
        Program.shop.field.set_cached_value(program, shop)
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def _rate_limit(key: ApiKey) -> None:
    """A fixed one-minute window per key in the cache; API_RATE_LIMIT=0 turns it off."""
    limit = settings.API_RATE_LIMIT
    if not limit:
        return
    window = int(time.time() // 60)
    bucket = f"api-rate:{key.pk}:{window}"
    if cache.add(bucket, 1, timeout=70):
        return
    try:
        count = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=70)
        return
    if count > limit:
        raise Throttled(wait=60 - int(time.time()) % 60)


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token: str) -> ApiKey | None:
        key = getattr(request, "api_key", None) or api_key_resolve(token)
        if key is None:
            return None
        _rate_limit(key)
        _touch(key)
        request.api_key = key
        request.shop = key.shop
        return key


def require_manager(request) -> None:
    if not Role.at_least(request.auth.role, Role.MANAGER):
        raise AuthorizationError()


def actor_of(request, location=None) -> Actor:
    key: ApiKey = request.auth
    return Actor(shop=key.shop, api_key=key, location=location or key.location)
