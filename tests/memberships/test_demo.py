"""The demo café sells a VIP plan and two of its regulars have it (one paid partly with points)."""

import pytest
from django.core.management import call_command

from memberships.models import Membership, Payment, Status


@pytest.mark.django_db
def test_the_demo_has_a_vip_plan_with_members():
    call_command("demo")
    memberships = Membership.objects.filter(shop__slug="demo-cafe", plan__code="suong-vip")
    assert memberships.count() == 2 and {m.status for m in memberships} == {Status.ACTIVE}
    assert Payment.objects.filter(points__gt=0).count() == 1
    call_command("demo")
    assert Payment.objects.count() == 2, "running it twice changes nothing"
