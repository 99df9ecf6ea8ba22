"""Creating and revoking till API keys. The raw key is returned once and only its hash is stored."""

from __future__ import annotations

from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import ApiKey, Location, Role, Shop
from loyalty.models.api_keys import hash_key


def api_key_create(*, shop: Shop, role: str, name: str = "", location: Location | None = None) -> tuple[ApiKey, str]:
    if role not in (Role.CASHIER, Role.MANAGER):
        raise ValidationFailed(fields={"role": "must be cashier or manager"})
    if location is not None and location.shop_id != shop.pk:
        raise ValidationFailed(fields={"location": "belongs to another shop"})
    raw = ApiKey.generate()
    key = ApiKey.objects.create(
        shop=shop, role=role, name=name or f"{role} key", location=location, prefix=raw[:10], key_hash=hash_key(raw)
    )
    return key, raw


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key
