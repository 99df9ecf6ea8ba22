"""Till API keys (stored hashed) and idempotency records."""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from .shops import Location, Role, Shop

KEY_PREFIX = "rk_"


def hash_key(raw: str) -> str:
    """Keys are long random strings, so one SHA-256 is enough (no need for a slow password hash)."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_keys")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=10, choices=[(Role.CASHIER, _("Cashier")), (Role.MANAGER, _("Manager"))])
    prefix = models.CharField(max_length=12, help_text=_("the first characters, to tell keys apart"))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return KEY_PREFIX + secrets.token_urlsafe(32)


class IdempotencyRecord(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="idempotency_key_unique_per_shop")]
