"""The checker checks: `ledger_check` run against a ledger corrupted on purpose exits non-zero and names each
broken invariant (a balance off by one, a lot whose remaining disagrees with what was drawn from it, a spend that
drew from another account's lot); on a sound ledger it passes."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from loyalty.models import Account, Allocation, EntryKind, LedgerEntry
from loyalty.services.ledger import Actor
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem, reward_save
from tests.factories import enrol


def check() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("ledger_check", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def two_members(shop):
    reward_save(shop=shop, name="Cake", kind="free_item", points=2, voucher_valid_days=30)
    members = [enrol(shop), enrol(shop)]
    for n, member in enumerate(members):
        purchase_record(shop=shop, external_id=f"C-{n}", amount=Decimal("200000"), member=member)
    reward_redeem(member=members[0], reward_code="cake", actor=Actor(shop=shop))
    return members


def test_a_sound_ledger_passes(two_members):
    assert check() == (True, "ledger: every invariant holds\n")


def test_a_balance_off_by_one_is_named(two_members):
    """Broken on purpose: the cached balance moved without an entry."""
    account_id = two_members[1].account_id
    Account.objects.filter(pk=account_id).update(points_balance=F("points_balance") + 1)
    passed, out = check()
    assert not passed and f"account {account_id}: balance 6 / ledger 5" in out


def test_a_lot_whose_remaining_disagrees_with_its_allocations_is_named(two_members):
    """Broken on purpose: a lot given back its points while the spend's allocation stays."""
    lot = LedgerEntry.objects.get(account_id=two_members[0].account_id, kind=EntryKind.EARN)
    LedgerEntry.objects.filter(pk=lot.pk).update(remaining=lot.points)
    passed, out = check()
    assert not passed and f"lot {lot.pk}: points 5 − drawn 2 ≠ remaining 5" in out


def test_a_spend_drawing_from_another_accounts_lot_is_named(two_members):
    """Broken on purpose: the redemption's allocation pointed at the other member's lot."""
    first, second = two_members
    allocation = Allocation.objects.get(entry__account_id=first.account_id)
    other_lot = LedgerEntry.objects.get(account_id=second.account_id, kind=EntryKind.EARN)
    Allocation.objects.filter(pk=allocation.pk).update(lot=other_lot)
    passed, out = check()
    assert not passed and f"drew from lot {other_lot.pk} of account {second.account_id}" in out
