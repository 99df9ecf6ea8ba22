"""The membership program's URL arguments for the portal's tenant-isolation walk
(tests/portal/test_tenant_isolation.py): how to make an object of a given shop. The counter's actions take a
member_id, which the core's walk makes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from loyalty.models import Shop
from memberships.models import Checkout, MembershipPlan, Pack
from memberships.services.packs import pack_buy, pack_save
from memberships.services.plans import plan_save
from tests.factories import ProgramFactory, enrol


def _plan(shop: Shop) -> MembershipPlan:
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    existing = MembershipPlan.objects.filter(shop=shop, code="walk").first()
    return existing or plan_save(
        shop=shop, code="walk", name="Walk", period="year", prices=[{"price": "100"}], discount_percent=Decimal(5)
    )


OBJECTS = {"membership_plan_id": lambda shop: _plan(shop).pk}


def _checkout(shop: Shop):
    plan = _plan(shop)
    now = timezone.now()
    return Checkout.objects.create(
        shop=plan.shop, member=enrol(plan.shop), plan=plan, price=Decimal(100), amount=Decimal(100), backend="test",
        reference=f"VIPWALK{Checkout.objects.count() + 1}", created_at=now, expires_at=now + timedelta(minutes=30),
    )  # fmt: skip


OBJECTS["checkout_id"] = lambda shop: _checkout(shop).pk
# The webhooks belong to a payment backend, not to a shop's staff (the core skips the member pages, m/):
# test_checkout.py walks those.
SKIPPED_PREFIXES = ("memberships/webhooks/",)


def _pack_purchase(shop: Shop):
    plan = _plan(shop)
    pack = pack_save(
        shop=plan.shop, code=f"walk-{Pack.objects.count() + 1}", name="Walk pack", uses=3, price=Decimal(10)
    )
    return pack_buy(member=enrol(plan.shop), pack_code=pack.code, amount_paid=Decimal(10))


OBJECTS["pack_purchase_id"] = lambda shop: _pack_purchase(shop).pk
