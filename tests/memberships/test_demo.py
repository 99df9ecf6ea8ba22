"""The demo café sells a VIP plan (two regulars have it, one paid partly with points) and a prepaid pack."""

import pytest
from django.core.management import call_command

from memberships.models import Membership, PackPurchase, Payment, Status


@pytest.mark.django_db
def test_the_demo_has_a_vip_plan_with_members():
    call_command("demo")
    memberships = Membership.objects.filter(shop__slug="demo-cafe", plan__code="suong-vip")
    assert memberships.count() == 2 and {m.status for m in memberships} == {Status.ACTIVE}
    assert Payment.objects.filter(points__gt=0).count() == 1
    pack = PackPurchase.objects.get(shop__slug="demo-cafe")
    assert (pack.uses, pack.remaining) == (10, 7)
    call_command("demo")
    assert Payment.objects.count() == 2 and PackPurchase.objects.count() == 1, "running it twice changes nothing"
