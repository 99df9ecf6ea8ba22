"""`manage.py demo` loads the demo café once; running it again changes nothing."""

from django.core.management import call_command

from loyalty.models import LedgerEntry, Member, Purchase, Shop, StaffMembership
from loyalty.services.invariants import ledger_violations
from rewards.models import Voucher


def counts():
    return [model.objects.count() for model in (Shop, Member, Purchase, LedgerEntry, StaffMembership, Voucher)]


def test_the_demo_loads_once_with_history_and_a_sound_ledger(db, capsys):
    call_command("demo")
    first = counts()
    printed = capsys.readouterr().out
    assert "owner@demo.regulars.local" in printed and "cashier@demo.regulars.local" in printed
    assert first[1] >= 10 and first[2] >= 20 and first[5] >= 1
    call_command("demo")
    assert counts() == first
    assert ledger_violations() == []
    shop = Shop.objects.get(slug="demo-cafe")
    assert shop.program.tiers.count() == 2 and shop.program.stamp_cards.count() == 1 and shop.rewards.count() == 5
