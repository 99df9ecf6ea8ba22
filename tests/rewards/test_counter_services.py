"""Counter services: staff PINs, a manager's approval by PIN, undo within five minutes, the member panel."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loyalty.errors import ValidationFailed
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import member_panel
from loyalty.services.counter import (
    PinLocked,
    UndoWindowPassed,
    WrongPin,
    adjustment_approved_by_pin,
    staff_by_pin,
    staff_pin_set,
    undo_adjustment,
    undo_purchase,
    undo_redemption,
    undo_voucher_use,
)
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from rewards.models import Reward
from rewards.selectors import catalogue_with_redemptions, impact_count
from rewards.services import reward_redeem, voucher_use
from tests.factories import StaffFactory, enrol


@pytest.fixture
def cafe(shop):
    Reward.objects.create(
        shop=shop, code="free-coffee", name="Free coffee", kind="free_item", points=2, value=Decimal("45000")
    )
    Reward.objects.create(shop=shop, code="tree", name="Plant a tree", kind="donation", points=1, value=Decimal("1"))
    Reward.objects.create(
        shop=shop, code="once", name="Once", kind="gift", points=1, value=Decimal("1"), per_member_limit=1
    )
    return shop


def test_pins_are_hashed_unique_in_the_shop_and_name_one_person(cafe):
    cashier = StaffFactory(shop=cafe, role="cashier")
    manager = StaffFactory(shop=cafe, role="manager")
    staff_pin_set(membership=cashier, pin="1234")
    assert cashier.pin_hash and "1234" not in cashier.pin_hash
    with pytest.raises(ValidationFailed):
        staff_pin_set(membership=manager, pin="1234")
    with pytest.raises(ValidationFailed):
        staff_pin_set(membership=manager, pin="12a4")
    staff_pin_set(membership=manager, pin="987654")
    assert staff_by_pin(shop=cafe, pin="987654") == manager


def test_wrong_pins_lock_pin_entry_for_the_shop(cafe):
    staff_pin_set(membership=StaffFactory(shop=cafe, role="cashier"), pin="1234")
    for _ in range(5):
        with pytest.raises(WrongPin):
            staff_by_pin(shop=cafe, pin="0000")
    with pytest.raises(PinLocked):
        staff_by_pin(shop=cafe, pin="1234")


def test_a_manager_approves_an_adjustment_with_their_pin_and_it_is_recorded_as_theirs(cafe):
    cashier = StaffFactory(shop=cafe, role="cashier")
    manager = StaffFactory(shop=cafe, role="manager")
    staff_pin_set(membership=cashier, pin="1111")
    staff_pin_set(membership=manager, pin="2222")
    member = enrol(cafe)
    with pytest.raises(WrongPin):
        adjustment_approved_by_pin(shop=cafe, member=member, points=5, reason="sorry", pin="1111")
    entry = adjustment_approved_by_pin(shop=cafe, member=member, points=5, reason="sorry", pin="2222")
    assert entry.staff == manager.user and entry.reason == "sorry" and entry.points == 5


def test_undo_a_purchase_within_five_minutes_reverses_it(cafe):
    member = enrol(cafe)
    bought = purchase_record(shop=cafe, external_id="U-1", amount=Decimal("100000"), member=member).purchase
    undo_purchase(shop=cafe, purchase_id=bought.pk, actor=Actor(shop=cafe))
    member.account.refresh_from_db()
    assert member.account.points_balance == 0
    assert LedgerEntry.objects.filter(purchase=bought, kind=EntryKind.EARN).exists(), "never deleted"
    late = purchase_record(shop=cafe, external_id="U-2", amount=Decimal("100000"), member=member).purchase
    with pytest.raises(UndoWindowPassed):
        undo_purchase(shop=cafe, purchase_id=late.pk, actor=Actor(shop=cafe), now=timezone.now() + timedelta(minutes=6))
    assert ledger_violations() == []


def test_undo_a_redemption_a_voucher_use_and_an_adjustment(cafe):
    member = enrol(cafe)
    purchase_record(shop=cafe, external_id="U-3", amount=Decimal("200000"), member=member)
    voucher = reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    undo_redemption(shop=cafe, code=voucher.code, actor=Actor(shop=cafe))
    member.account.refresh_from_db()
    assert member.account.points_balance == 5
    voucher = reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    voucher_use(shop=cafe, code=voucher.code)
    assert undo_voucher_use(shop=cafe, code=voucher.code).status == "issued"
    entry = points_adjust(account_id=member.account_id, actor=Actor(shop=cafe), points=2, reason="x", at=timezone.now())
    undone = undo_adjustment(shop=cafe, entry_id=entry.pk, actor=Actor(shop=cafe))
    assert undone.points == -2 and str(entry.pk) in undone.reason
    assert ledger_violations() == []


def test_the_member_panel_reads_in_a_fixed_number_of_queries(cafe):
    member = enrol(cafe)
    purchase_record(shop=cafe, external_id="P-0", amount=Decimal("100000"), member=member)
    member_panel(cafe, member.pk, timezone.now())  # warm: the program's rules are loaded once per process and change
    with CaptureQueriesContext(connection) as first:
        panel = member_panel(cafe, member.pk, timezone.now())
    for n in range(25):
        purchase_record(shop=cafe, external_id=f"P-{n + 1}", amount=Decimal("100000"), member=member)
    reward_redeem(member=member, reward_code="once", actor=Actor(shop=cafe))
    reward_redeem(member=member, reward_code="free-coffee", actor=Actor(shop=cafe))
    with CaptureQueriesContext(connection) as later:
        panel = member_panel(cafe, member.pk, timezone.now())
    assert len(later) == len(first) == 6, [q["sql"][:80] for q in later]
    assert [r.code for r in panel.rewards_within_reach] == ["tree", "free-coffee"]
    assert len(panel.vouchers) == 2 and panel.points.available == 49


def test_redemption_counts_and_the_impact_counter(cafe):
    member = enrol(cafe)
    purchase_record(shop=cafe, external_id="I-1", amount=Decimal("200000"), member=member)
    for _ in range(2):
        reward_redeem(member=member, reward_code="tree", actor=Actor(shop=cafe))
    counts = {r.code: (r.issued, r.used) for r in catalogue_with_redemptions(cafe)}
    assert counts["tree"] == (2, 0) and impact_count(cafe) == 2


def test_a_wallet_credit_reward_pays_into_the_wallet_at_once(cafe):
    Reward.objects.create(
        shop=cafe, code="credit", name="20k credit", kind="wallet_credit", points=2, value=Decimal("20000")
    )
    member = enrol(cafe)
    purchase_record(shop=cafe, external_id="W-1", amount=Decimal("100000"), member=member)
    voucher = reward_redeem(member=member, reward_code="credit", actor=Actor(shop=cafe))
    member.account.refresh_from_db()
    assert voucher.status == "used" and member.account.wallet_balance == Decimal("20000")
    assert ledger_violations() == []
