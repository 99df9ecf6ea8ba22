"""Approvals under real concurrency on PostgreSQL: two approvals reaching a milestone at the same moment reward
it once, and two runs of the job for one moment approve each referral once, with its points once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from referrals.models import MilestoneAward, Referral, Status
from referrals.services.approval import referral_approve, referrals_approve
from rewards.models import Voucher
from tests.threads import race

from .conftest import T0, buy, friend, referral_document, referrer_of

pytestmark = pytest.mark.postgres
DUE = T0 + timedelta(days=14)


@pytest.fixture
def shop(transactional_db):
    return config_import(
        referral_document("races", referrer_points=10, milestones=[{"count": 5, "reward": "shave-cream"}])
    )


def test_two_approvals_reaching_a_milestone_at_once_reward_it_once(shop):
    referrer = referrer_of(shop)
    friends = [friend(shop, referrer) for _ in range(5)]
    for new in friends[:3]:
        buy(shop, new)
    referrals_approve(as_of=DUE)  # three approved
    late = T0 + timedelta(days=1)
    for new in friends[3:]:
        buy(shop, new, at=late, now=late)
    ids = list(Referral.objects.filter(status=Status.PURCHASED).values_list("id", flat=True))
    assert len(ids) == 2

    results = race(2, lambda i, _: referral_approve(referral_id=ids[i], as_of=DUE + timedelta(days=1)))

    assert not any(isinstance(r, BaseException) for r in results), results
    assert Referral.objects.filter(status=Status.APPROVED).count() == 5
    assert MilestoneAward.objects.filter(referrer=referrer, count=5).count() == 1
    assert Voucher.objects.filter(member=referrer, reward__code="shave-cream").count() == 1
    assert ledger_violations() == []


def test_two_runs_of_the_job_for_one_moment_approve_each_referral_once(shop):
    referrer = referrer_of(shop)
    for _ in range(8):
        buy(shop, friend(shop, referrer))

    results = race(2, lambda i, _: referrals_approve(as_of=DUE))

    assert not any(isinstance(r, BaseException) for r in results), results
    assert sum(results) == 8, "each referral approved by exactly one of the runs"
    entries = LedgerEntry.objects.filter(account_id=referrer.account_id, kind=EntryKind.REFERRAL)
    assert entries.count() == 8 and sum(e.points for e in entries) == 80
    referrer.account.refresh_from_db()
    assert referrer.account.points_balance == 80
    assert MilestoneAward.objects.filter(referrer=referrer).count() == 1
    assert ledger_violations() == []


def test_a_full_refund_racing_the_approval_voids_the_referral_and_leaves_no_points_either_way(shop):
    """The refund locks the referrer's account before the referral row, as the job does: no deadlock, and
    whichever wins, the referral ends voided and the referrer's points are 0 (given and clawed back, or never)."""
    from loyalty.models import Shop
    from loyalty.services.refunds import purchase_refund

    referrer = referrer_of(shop)
    new = friend(shop, referrer)
    first = buy(shop, new)

    def act(i, own):
        if i == 0:
            return referrals_approve(as_of=DUE)
        return purchase_refund(shop=own, purchase_id=first.pk, amount=first.amount, external_id="RF-1", now=DUE)

    results = race(2, act, prepare=lambda i: Shop.objects.get(pk=shop.pk))

    assert not any(isinstance(r, BaseException) for r in results), results
    referral = Referral.objects.get(referee=new)
    assert referral.status == Status.VOIDED
    referrer.account.refresh_from_db()
    assert referrer.account.points_balance == 0
    assert ledger_violations() == []
