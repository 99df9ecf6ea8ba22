"""The membership jobs run by `loyalty_jobs` in cli.md's order, idempotent for a moment; and the member's messages:
the receipt of a payment, the renewal reminder, the status changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from loyalty.hooks import jobs_in_order
from loyalty.models import Message
from memberships.models import Membership, MonthlyGrant, Status

from .conftest import T0, customer, pay

pytestmark = pytest.mark.django_db


def test_the_jobs_take_their_slots_in_cli_mds_order():
    names = [job.name for job in jobs_in_order()]
    assert names.index("memberships_renewed") < names.index("membership_rewards") < names.index("vouchers_expired")
    assert names.index("birthday_bonuses") < names.index("memberships_renewed")
    assert "membership_reminders" in names


def test_loyalty_jobs_moves_memberships_on_once_for_a_moment(vip):
    member = customer(vip)
    membership = pay(vip, member, "box", "199000").membership
    moment = (membership.ends_at + timedelta(days=1)).isoformat()
    call_command("loyalty_jobs", as_of=moment)
    assert Membership.objects.get(pk=membership.pk).status == Status.GRACE
    changed = Message.objects.filter(event="membership_changed").count()
    call_command("loyalty_jobs", as_of=moment)
    assert Message.objects.filter(event="membership_changed").count() == changed, "a re-run sends nothing more"
    assert MonthlyGrant.objects.count() == 1, "grace gives no monthly voucher"


def test_a_payment_sends_its_receipt_once(vip):
    member = customer(vip)
    member.email = "receipt@example.com"
    member.save(update_fields=["email"])
    pay(vip, member, reference="SLIP-9")
    [receipt] = Message.objects.filter(event="membership_receipt", member=member)
    assert "888" in receipt.body and "SLIP-9" in receipt.body and "88VIP" in receipt.subject


def test_the_renewal_reminder_names_the_end(vip):
    from memberships.services.jobs import membership_reminders

    member = customer(vip)
    member.email = "remind@example.com"
    member.save(update_fields=["email"])
    membership = pay(vip, member, at=T0).membership
    membership_reminders(as_of=membership.ends_at - timedelta(days=6))
    [reminder] = Message.objects.filter(event="membership_reminder", member=member)
    assert "88VIP" in reminder.body and "2032" in reminder.body
