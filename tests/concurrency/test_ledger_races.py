"""The ledger under real concurrency on PostgreSQL: counters racing for the same points, receipts, refunds,
vouchers and stock, and a job killed half-way. Every loser gets a clean domain error, never a database error,
and the ledger's invariants hold afterwards.

Each test commits its data (`transactional_db`); every racer is a real thread with its own connection, warmed
up before a barrier releases them together, and closed at the end.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

import rewards.services
from loyalty.errors import DuplicatePurchase, InsufficientPoints, RefundExceedsPurchase
from loyalty.models import Account, Bonus, EntryKind, LedgerEntry, Member, Purchase, Refund
from loyalty.models.programs import ExpiryPolicy, LimitPeriod
from loyalty.services import expiry, jobs
from loyalty.services import members as member_services
from loyalty.services.bonuses import bonus_award
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.members import members_merge
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.errors import OutOfStock, VoucherUsed
from rewards.models import Reward, RewardKind, Voucher, VoucherStatus
from rewards.services import reward_redeem, voucher_cancel, voucher_issue, voucher_use, vouchers_expire
from tests.factories import ProgramFactory, enrol
from tests.threads import race

pytestmark = pytest.mark.postgres

T0 = datetime(2031, 3, 10, 5, 0, tzinfo=UTC)


def tally(results: list) -> Counter:
    """How many calls succeeded and how many raised each kind of error."""
    return Counter("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)


def balance(member) -> int:
    return Account.objects.get(pk=member.account_id).points_balance


def fresh(member) -> Member:
    """A thread's own copy of the member (services set attributes on it)."""
    return Member.objects.select_related("shop", "account").get(pk=member.pk)


def give(member, *points: int) -> None:
    """Open lots of these sizes on the member's account, available now."""
    for n in points:
        points_adjust(account_id=member.account_id, actor=Actor(shop=member.shop), points=n, reason="setup", at=T0)


@pytest.fixture
def shop(transactional_db):
    return ProgramFactory(earn_per_amount=Decimal(2500)).shop  # 100,000 VND earns 40 points


def reward(shop, *, points: int, stock: int | None = None, stock_left: int | None = None, **fields) -> Reward:
    return Reward.objects.create(
        shop=shop,
        code=f"r{points}-{stock}",
        name="Coffee",
        kind=RewardKind.FREE_ITEM,
        points=points,
        stock=stock,
        stock_left=stock_left,
        **fields,
    )


# ---------------------------------------------------------------- (a), (b) spenders on one account


def test_32_counters_redeeming_at_once_redeem_only_what_the_balance_covers(shop):
    member = enrol(shop, at=T0)
    give(member, 40, 35, 25)  # B = 100 in three lots
    coffee = reward(shop, points=7)  # C = 7: floor(100 / 7) = 14

    results = race(
        32,
        lambda i, me: reward_redeem(member=me, reward_code=coffee.code, actor=Actor(shop=shop), at=T0),
        prepare=lambda i: fresh(member),
    )

    assert tally(results) == {"ok": 14, "InsufficientPoints": 18}
    assert balance(member) == 100 - 14 * 7
    assert Voucher.objects.filter(reward=coffee).count() == 14
    assert LedgerEntry.objects.filter(account_id=member.account_id, kind=EntryKind.REDEEM).count() == 14
    assert ledger_violations() == []


def test_32_negative_adjustments_at_once_take_only_what_is_available(shop):
    member = enrol(shop, at=T0)
    give(member, 40, 35, 25)

    results = race(
        32,
        lambda i, _: points_adjust(
            account_id=member.account_id, actor=Actor(shop=shop), points=-9, reason=f"race {i}", at=T0
        ),
    )

    assert tally(results) == {"ok": 11, "InsufficientPoints": 21}  # floor(100 / 9) = 11
    assert all(isinstance(r, InsufficientPoints) for r in results if isinstance(r, BaseException))
    assert balance(member) == 1
    lots = LedgerEntry.objects.filter(account_id=member.account_id, points__gt=0)
    assert sum(lots.values_list("remaining", flat=True)) == 1
    assert ledger_violations() == []


# ---------------------------------------------------------------- (c), (d) purchases


def test_16_tills_recording_purchases_at_once_earn_each_exactly_once(shop):
    members = [enrol(shop, at=T0) for _ in range(4)]
    # Threads 0-7 all buy for member 0 (one account, serialised on its row); 8-15 spread over members 1-3.
    owner = [0] * 8 + [1 + i % 3 for i in range(8)]

    def buy(i, me):
        return [
            purchase_record(
                shop=shop,
                external_id=f"T{i}-{n}",
                amount=Decimal(25000 * (i + 1 + n)),
                member=me,
                occurred_at=T0,
                now=T0,
            ).purchase
            for n in range(2)
        ]

    results = race(16, buy, prepare=lambda i: fresh(members[owner[i]]))

    assert tally(results) == {"ok": 16}
    expected = Counter()
    for i in range(16):
        expected[members[owner[i]].pk] += sum(10 * (i + 1 + n) for n in range(2))
    assert {m.pk: balance(m) for m in members} == expected
    earns = Counter(LedgerEntry.objects.filter(kind=EntryKind.EARN).values_list("purchase_id", flat=True))
    assert Purchase.objects.count() == 32
    assert set(earns) == set(Purchase.objects.values_list("pk", flat=True))
    assert set(earns.values()) == {1}
    assert ledger_violations() == []


def test_16_tills_sending_the_same_receipt_record_it_once(shop):
    members = [enrol(shop, at=T0) for _ in range(4)]

    results = race(
        16,
        lambda i, me: (
            purchase_record(
                shop=shop, external_id="SAME-1", amount=Decimal(100000), member=me, occurred_at=T0, now=T0
            ).purchase
        ),
        prepare=lambda i: fresh(members[i % 4]),  # four threads per member: both races at once
    )

    assert tally(results) == {"ok": 1, "DuplicatePurchase": 15}
    assert all(isinstance(r, DuplicatePurchase) for r in results if isinstance(r, BaseException))
    winner = next(r for r in results if not isinstance(r, BaseException))
    assert Purchase.objects.get().pk == winner.pk
    assert LedgerEntry.objects.filter(kind=EntryKind.EARN).count() == 1
    assert sorted(balance(m) for m in members) == [0, 0, 0, 40]
    assert ledger_violations() == []


# ---------------------------------------------------------------- (e) refunds


def test_8_refunds_racing_on_one_purchase_never_refund_more_than_its_amount(shop):
    member = enrol(shop, at=T0)
    purchase = purchase_record(
        shop=shop, external_id="BIG-1", amount=Decimal(100000), member=member, occurred_at=T0, now=T0
    ).purchase
    give(member, 5)
    points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=-35, reason="spent", at=T0)
    assert balance(member) == 10  # most of the purchase's 40 points are spent: refunds will leave a debt
    amounts = [30000, 50000, 70000, 20000, 40000, 60000, 10000, 80000]  # 360,000 asked for a 100,000 bill

    results = race(
        8,
        lambda i, _: purchase_refund(
            shop=shop, purchase_id=purchase.pk, amount=Decimal(amounts[i]), external_id=f"RF-{i}", now=T0
        ),
    )

    counts = tally(results)
    assert set(counts) <= {"ok", "RefundExceedsPurchase"}, counts
    assert counts["ok"] >= 2  # at least two of them always fit
    won = [amounts[i] for i, r in enumerate(results) if not isinstance(r, BaseException)]
    lost = [amounts[i] for i, r in enumerate(results) if isinstance(r, RefundExceedsPurchase)]
    purchase.refresh_from_db()
    assert purchase.refunded_amount == sum(won) <= 100000
    assert Refund.objects.filter(purchase=purchase).aggregate(s=Sum("amount"))["s"] == sum(won)
    # The refunded total only grows, so every loser asked for more than what is left even now.
    assert all(amount > 100000 - sum(won) for amount in lost)
    left = 100000 - sum(won)
    reversed_points = 40 - (40 * left // 100000 if left else 0)
    assert Refund.objects.filter(purchase=purchase).aggregate(s=Sum("points_reversed"))["s"] == reversed_points
    assert balance(member) == 10 - reversed_points
    assert ledger_violations() == []


def test_8_tills_replaying_one_refund_id_refund_once(shop):
    members = [enrol(shop, at=T0) for _ in range(2)]
    purchases = [
        purchase_record(
            shop=shop, external_id=f"P-{n}", amount=Decimal(100000), member=m, occurred_at=T0, now=T0
        ).purchase
        for n, m in enumerate(members)
    ]

    results = race(
        8,
        lambda i, _: purchase_refund(  # the same refund id, for both purchases (two accounts) at once
            shop=shop, purchase_id=purchases[i % 2].pk, amount=Decimal(50000), external_id="RF-SAME", now=T0
        ),
    )

    assert tally(results) == {"ok": 1, "DuplicateRefund": 7}
    assert Refund.objects.count() == 1
    assert sorted(balance(m) for m in members) == [20, 40]  # half of one purchase's 40 points reversed
    assert ledger_violations() == []


# ---------------------------------------------------------------- (f) a job killed half-way


@pytest.mark.parametrize("policy", [ExpiryPolicy.DAYS_AFTER_EARN, ExpiryPolicy.INACTIVITY])
def test_a_job_killed_half_way_keeps_its_first_batch_and_the_rerun_finishes_without_double_effects(
    shop, monkeypatch, policy
):
    program = shop.program
    program.expiry_policy, program.expiry_days = policy, 30
    program.save()
    members = [enrol(shop, at=T0) for _ in range(5)]
    for n, member in enumerate(members):
        purchase_record(
            shop=shop, external_id=f"OLD-{n}", amount=Decimal(100000), member=member, occurred_at=T0, now=T0
        )
    later = enrol(shop, at=T0)  # bought recently: under either policy nothing of it is due
    purchase_record(
        shop=shop,
        external_id="NEW-1",
        amount=Decimal(50000),
        member=later,
        occurred_at=T0 + timedelta(days=20),
        now=T0 + timedelta(days=20),
    )
    as_of = T0 + timedelta(days=31)
    accounts = sorted(m.account_id for m in members)

    real, calls = expiry._expire_lots_of, []

    def killed_on_the_second_batch(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(*args)

    monkeypatch.setattr(expiry, "BATCH", 2)  # lots per batch (dated expiry)
    monkeypatch.setattr(expiry, "ACCOUNTS_BATCH", 2)  # accounts per batch (inactivity)
    monkeypatch.setattr(expiry, "_expire_lots_of", killed_on_the_second_batch)
    with pytest.raises(RuntimeError, match="worker killed"):
        jobs.run_all(as_of=as_of)

    expired = Counter(LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).values_list("account_id", flat=True))
    assert expired == {accounts[0]: 1, accounts[1]: 1}  # the first batch's transaction stays committed
    assert [Account.objects.get(pk=a).points_balance for a in accounts] == [0, 0, 40, 40, 40]
    assert ledger_violations() == []

    monkeypatch.setattr(expiry, "_expire_lots_of", real)
    assert jobs.run_all(as_of=as_of)["points_expired"] == 3  # only what the killed run left
    assert jobs.run_all(as_of=as_of)["points_expired"] == 0
    due = LedgerEntry.objects.filter(account_id__in=accounts, kind=EntryKind.EARN)
    assert list(due.values_list("remaining", flat=True)) == [0] * 5
    per_lot = Counter(LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).values_list("reverses_id", flat=True))
    assert sorted(per_lot) == sorted(due.values_list("pk", flat=True)) and set(per_lot.values()) == {1}
    assert [Account.objects.get(pk=a).points_balance for a in accounts] == [0] * 5
    assert balance(later) == 20
    assert ledger_violations() == []


def test_the_expiry_job_and_counters_spending_at_the_same_moment_do_not_deadlock_or_double_count(shop, monkeypatch):
    program = shop.program
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 30
    program.save()
    members = [enrol(shop, at=T0) for _ in range(8)]
    for member in members:
        points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=50, reason="old", at=T0)
        points_adjust(
            account_id=member.account_id, actor=Actor(shop=shop), points=50, reason="new", at=T0 + timedelta(days=10)
        )
    as_of = T0 + timedelta(days=30)  # the old lots are due; spends at this moment may not touch them
    monkeypatch.setattr(expiry, "BATCH", 3)

    def act(i, _):
        if i == 16:
            return jobs.run_all(as_of=as_of)["points_expired"]
        member = members[i % 8]
        return points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=-20, reason="", at=as_of)

    results = race(17, act)

    assert tally(results) == {"ok": 17}
    assert results[16] == 8
    assert [balance(m) for m in members] == [50 - 40] * 8
    assert LedgerEntry.objects.filter(kind=EntryKind.EXPIRE).count() == 8
    assert ledger_violations() == []


# ---------------------------------------------------------------- (g) vouchers and stock


def test_64_counters_scanning_one_voucher_use_it_once(shop):
    member = enrol(shop, at=T0)
    voucher = voucher_issue(reward=reward(shop, points=0), member=member, source="manual", at=T0)

    results = race(64, lambda i, _: voucher_use(shop=shop, code=voucher.code, at=T0 + timedelta(hours=1)))

    assert tally(results) == {"ok": 1, "VoucherUsed": 63}
    assert all(isinstance(r, VoucherUsed) for r in results if isinstance(r, BaseException))
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED


def test_32_members_redeeming_the_last_5_units_get_5_vouchers(shop):
    members = [enrol(shop, at=T0) for _ in range(32)]
    for member in members:
        give(member, 10)
    mug = reward(shop, points=10, stock=20, stock_left=5)

    results = race(
        32,
        lambda i, me: reward_redeem(member=me, reward_code=mug.code, actor=Actor(shop=shop), at=T0),
        prepare=lambda i: fresh(members[i]),
    )

    assert tally(results) == {"ok": 5, "OutOfStock": 27}
    assert all(isinstance(r, OutOfStock) for r in results if isinstance(r, BaseException))
    mug.refresh_from_db()
    assert mug.stock_left == 0
    assert Voucher.objects.filter(reward=mug).count() == 5
    # Losers keep their points: the spend rolled back with the refused redemption.
    assert sorted(balance(m) for m in members) == [0] * 5 + [10] * 27
    assert ledger_violations() == []


def test_a_voucher_cancelled_and_used_at_once_is_either_used_or_cancelled_with_its_points_back_once(shop):
    member = enrol(shop, at=T0)
    give(member, 30)
    voucher = reward_redeem(
        member=fresh(member), reward_code=reward(shop, points=10).code, actor=Actor(shop=shop), at=T0
    )

    def act(i, _):
        if i % 2:
            return voucher_use(shop=shop, code=voucher.code, at=T0)
        return voucher_cancel(shop=shop, code=voucher.code, actor=Actor(shop=shop), at=T0)

    results = race(16, act)

    counts = tally(results)
    assert counts["ok"] == 1 and set(counts) <= {"ok", "VoucherUsed", "VoucherCancelled"}, counts
    voucher.refresh_from_db()
    given_back = LedgerEntry.objects.filter(kind=EntryKind.REFUND_REDEEM).count()
    if voucher.status == VoucherStatus.CANCELLED:
        assert (balance(member), given_back) == (30, 1)
    else:
        assert (voucher.status, balance(member), given_back) == (VoucherStatus.USED, 20, 0)
    assert ledger_violations() == []


# ---------------------------------------------------------------- bonuses within their limit


def test_16_requests_for_a_bonus_limited_to_2_a_day_award_it_twice(shop):
    Bonus.objects.create(program=shop.program, event="review", points=10, limit_count=2, limit_per=LimitPeriod.DAY)
    member = enrol(shop, at=T0)

    results = race(16, lambda i, me: bonus_award(member=me, event="review", at=T0), prepare=lambda i: fresh(member))

    assert tally(results) == {"ok": 16}
    assert sorted(results) == [0] * 14 + [10, 10]
    assert balance(member) == 20
    assert ledger_violations() == []


# ---------------------------------------------------------------- one lock order


def test_the_voucher_expiry_job_and_a_merge_take_account_locks_in_one_order(shop, monkeypatch):
    a, b = enrol(shop, at=T0), enrol(shop, at=T0)
    assert a.account_id < b.account_id
    give(a, 20)
    give(b, 20)
    mug = reward(shop, points=10, voucher_valid_days=7, refund_points_on_expiry=True)
    for member in (b, a):  # b's voucher first: the job meets b's account before a's
        reward_redeem(member=fresh(member), reward_code=mug.code, actor=Actor(shop=shop), at=T0)
    moment = T0 + timedelta(days=8)

    # Hold each side at its first lock until the other has taken its own: the interleaving a busy night gives.
    job_holds_b, merge_holds_a = threading.Event(), threading.Event()
    job_lock, merge_lock = rewards.services.account_lock, member_services.account_lock

    def job_locks(account_id):
        account = job_lock(account_id)
        if account_id == b.account_id:
            job_holds_b.set()
            merge_holds_a.wait(timeout=5)
        return account

    def merge_locks(account_id):
        account = merge_lock(account_id)
        if account_id == a.account_id:
            merge_holds_a.set()
            job_holds_b.wait(timeout=5)
        return account

    monkeypatch.setattr(rewards.services, "account_lock", job_locks)
    monkeypatch.setattr(member_services, "account_lock", merge_locks)

    def act(i, members):
        if i == 0:
            return vouchers_expire(as_of=moment)
        keep, duplicate = members
        return members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop), at=moment)

    results = race(2, act, prepare=lambda i: (fresh(a), fresh(b)))

    assert tally(results) == {"ok": 2}, results
    assert Voucher.objects.filter(status=VoucherStatus.EXPIRED).count() == 2
    assert balance(a) == 40 and balance(b) == 0
    assert ledger_violations() == []
