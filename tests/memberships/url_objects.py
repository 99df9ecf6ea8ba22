"""The membership program's URL arguments for the portal's tenant-isolation walk
(tests/portal/test_tenant_isolation.py): how to make an object of a given shop. The counter's actions take a
member_id, which the core's walk makes."""

from __future__ import annotations

from decimal import Decimal

from loyalty.models import Shop
from memberships.models import MembershipPlan
from memberships.services.plans import plan_save
from tests.factories import ProgramFactory


def _plan(shop: Shop) -> MembershipPlan:
    if not hasattr(shop, "program"):
        ProgramFactory(shop=shop)
    existing = MembershipPlan.objects.filter(shop=shop, code="walk").first()
    return existing or plan_save(
        shop=shop, code="walk", name="Walk", period="year", prices=[{"price": "100"}], discount_percent=Decimal(5)
    )


OBJECTS = {"membership_plan_id": lambda shop: _plan(shop).pk}
