"""The cache when it lives in Redis: Redis stopped must not stop the till, the counter or the member card. What the
cache holds here is a help, not the truth (rate-limit counters, sessions of nobody: sessions are in the database),
so while Redis is away each call answers as an empty cache would and the log says so once a minute."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("loyalty.cache")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY = 60  # seconds between two warnings while Redis stays away


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, but a Redis that cannot be reached is a miss: `get` gives the default, `add` says it
    added (so a rate limit lets the request through), `incr` counts one, writes are dropped."""

    _warned_at = 0.0

    def _degraded(self, operation: str, error: Exception, fallback):
        now = time.monotonic()
        if now - DegradingRedisCache._warned_at > WARN_EVERY:
            DegradingRedisCache._warned_at = now
            log.warning("cache unavailable (%s: %s): rate limits are off until Redis is back", operation, error)
        return fallback

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            return self._degraded("get", error, default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            return self._degraded("get_many", error, {})

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            return self._degraded("add", error, True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._degraded("set", error, None)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            return self._degraded("incr", error, delta)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            return self._degraded("delete", error, False)
