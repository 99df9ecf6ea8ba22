"""The referral program's URL arguments for the portal's tenant-isolation walk (tests/portal/test_tenant_isolation.py):
how to make an object of a given shop. Referral links (r/) are public by design: a code names its shop, and
test_pages.py covers them."""

from __future__ import annotations

from loyalty.models import Shop
from referrals.models import Referral, ReferralProgram, Review
from tests.factories import ProgramFactory, enrol

SKIPPED_PREFIXES = ("r/",)


def _held_referral(shop: Shop) -> Referral:
    """A referral waiting for the owner's review."""
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    shop = Shop.objects.get(pk=shop.pk)
    ReferralProgram.objects.get_or_create(shop=shop)
    referrer, friend = enrol(shop, name="Walker"), enrol(shop, name="Friend")
    return Referral.objects.create(
        shop=shop, referrer=referrer, referee=friend, review=Review.PENDING, created_at=friend.created_at
    )


OBJECTS = {"referral_id": lambda shop: _held_referral(shop).pk}
