"""Periodic jobs: expiry under every policy, tier review with grace, birthday bonuses; re-runs change nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from loyalty.models import Bonus, EntryKind, LedgerEntry, TierLevel
from loyalty.models.programs import ExpiryPolicy
from loyalty.selectors import points_summary
from loyalty.services.expiry import points_expire_dated, points_expire_inactive
from loyalty.services.invariants import ledger_violations
from loyalty.services.jobs import birthday_bonuses, run_all
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from tests.factories import enrol

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 10, 12, tzinfo=VN)
_receipt = iter(range(1, 10**6))


def buy(member, amount="100000", at=T0):
    return purchase_record(
        shop=member.shop,
        external_id=f"J-{next(_receipt)}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at,
        now=at,
    ).purchase


def expiries(member) -> list[int]:
    return list(
        LedgerEntry.objects.filter(account=member.account, kind=EntryKind.EXPIRE).values_list("points", flat=True)
    )


def test_days_after_earn_expires_each_lot_on_its_day_and_spends_soonest_first(program):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 30
    program.save()
    member = enrol(program.shop, at=T0)
    buy(member, at=T0)
    buy(member, "200000", at=T0 + timedelta(days=10))
    points_adjust(
        account_id=member.account_id,
        actor=Actor(shop=program.shop),
        points=-1,
        reason="spend",
        at=T0 + timedelta(days=11),
    )  # takes from the lot that expires first
    run_all(as_of=T0 + timedelta(days=30))
    assert expiries(member) == [-1]
    run_all(as_of=T0 + timedelta(days=30))
    assert expiries(member) == [-1]
    run_all(as_of=T0 + timedelta(days=40))
    assert sorted(expiries(member)) == [-5, -1]
    member.account.refresh_from_db()
    assert member.account.points_balance == 0
    assert ledger_violations() == []


def test_inactivity_expires_the_whole_balance_after_days_without_a_purchase(program):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.INACTIVITY, 90
    program.save()
    member = enrol(program.shop, at=T0)
    buy(member, at=T0)
    buy(member, at=T0 + timedelta(days=60))
    assert LedgerEntry.objects.filter(account=member.account, expires_at__isnull=False).count() == 0
    summary = points_summary(member.account, T0 + timedelta(days=61))
    assert summary.expiring_points == 4 and summary.expiring_at == T0 + timedelta(days=150)
    assert points_expire_inactive(as_of=T0 + timedelta(days=149)) == 0
    assert points_expire_inactive(as_of=T0 + timedelta(days=150)) == 2
    assert points_expire_inactive(as_of=T0 + timedelta(days=151)) == 0
    assert sum(expiries(member)) == -4
    assert ledger_violations() == []


def test_a_killed_expiry_run_is_completed_by_the_next_without_double_effects(program, monkeypatch):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 1
    program.save()
    members = [enrol(program.shop, at=T0) for _ in range(5)]
    for member in members:
        buy(member, at=T0)
    import loyalty.services.expiry as expiry

    monkeypatch.setattr(expiry, "BATCH", 2)
    real, calls = expiry._expire_lots_of, []

    def dies_on_the_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(*args)

    monkeypatch.setattr(expiry, "_expire_lots_of", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        points_expire_dated(as_of=T0 + timedelta(days=2))
    assert LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 2
    assert points_expire_dated(as_of=T0 + timedelta(days=2)) == 3
    assert LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 5
    assert ledger_violations() == []


def tiers(program, grace=0):
    program.downgrade_grace_days = grace
    program.save()
    TierLevel.objects.create(program=program, code="base", name="Base", threshold=0)
    return TierLevel.objects.create(program=program, code="gold", name="Gold", threshold=5)


def test_tier_review_moves_down_only_after_the_grace_days(program):
    tiers(program, grace=7)
    member = enrol(program.shop, at=T0)
    bill = buy(member, "200000")
    assert member.account.tier.code == "gold"
    purchase_refund(shop=program.shop, purchase_id=bill.pk, amount=Decimal("200000"), external_id="RF", now=T0)
    run_all(as_of=T0 + timedelta(days=1))
    member.account.refresh_from_db()
    assert member.account.tier.code == "gold" and member.account.tier_below_since is not None
    run_all(as_of=T0 + timedelta(days=7))
    member.account.refresh_from_db()
    assert member.account.tier.code == "gold"
    run_all(as_of=T0 + timedelta(days=8))
    member.account.refresh_from_db()
    assert member.account.tier.code == "base"
    assert list(member.account.tier_changes.values_list("reason", flat=True)) == ["review_down", "upgrade"]


def test_tier_review_forgives_a_member_who_climbs_back_within_grace(program):
    tiers(program, grace=7)
    member = enrol(program.shop, at=T0)
    bill = buy(member, "200000")
    purchase_refund(shop=program.shop, purchase_id=bill.pk, amount=Decimal("200000"), external_id="RF", now=T0)
    run_all(as_of=T0 + timedelta(days=1))
    buy(member, "200000", at=T0 + timedelta(days=2))
    run_all(as_of=T0 + timedelta(days=9))
    member.account.refresh_from_db()
    assert member.account.tier.code == "gold" and member.account.tier_below_since is None


@pytest.mark.parametrize(
    "basis,amount,expected",
    [("amount_spent", "199999", "base"), ("amount_spent", "200000", "gold"), ("visits", "1000", "base")],
)
def test_tier_basis_amount_spent_and_visits(program, basis, amount, expected):
    program.tier_basis = basis
    program.save()
    TierLevel.objects.create(program=program, code="base", name="Base", threshold=0)
    TierLevel.objects.create(
        program=program, code="gold", name="Gold", threshold=200000 if basis == "amount_spent" else 2
    )
    member = enrol(program.shop, at=T0)
    buy(member, amount)
    member.account.refresh_from_db()
    assert member.account.tier.code == expected


def test_birthday_bonus_once_a_year_even_if_the_job_runs_late_or_twice(program):
    Bonus.objects.create(program=program, event="birthday", points=10)
    member = enrol(program.shop, birthday=date(1990, 3, 12), at=T0)
    assert birthday_bonuses(as_of=datetime(2026, 3, 11, 23, tzinfo=VN)) == 0
    assert birthday_bonuses(as_of=datetime(2026, 3, 14, 9, tzinfo=VN)) == 1  # two days late
    assert birthday_bonuses(as_of=datetime(2026, 3, 15, 9, tzinfo=VN)) == 0
    assert birthday_bonuses(as_of=datetime(2027, 3, 12, 9, tzinfo=VN)) == 1
    member.account.refresh_from_db()
    assert member.account.points_balance == 20


def test_loyalty_jobs_command_runs_every_job_as_of_a_moment(program, capsys):
    call_command("loyalty_jobs", "--as-of", "2026-07-01T00:00:00+07:00")
    printed = capsys.readouterr().out
    for job in ("points_expired", "tiers", "birthday_bonuses", "vouchers_expired", "idempotency_keys_purged"):
        assert job in printed


def test_loyalty_jobs_refuses_a_moment_without_an_offset(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="offset"):
        call_command("loyalty_jobs", "--as-of", "2026-07-01T00:00:00")
