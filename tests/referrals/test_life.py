"""The life of a referral: signed_up → purchased → approved, or rejected (with the reason) or voided."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty.errors import ValidationFailed
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from referrals.models import MilestoneAward, Reason, Referral, Status
from rewards.models import Voucher
from tests.factories import enrol

from .conftest import T0, approve, buy, friend, referral_document, referral_of, referrer_of, refund

DUE = T0 + timedelta(days=14)


def voucher_rewards(member) -> list[str]:
    return sorted(Voucher.objects.filter(member=member).values_list("reward__code", flat=True))


def test_a_friend_signs_up_with_a_code_in_any_case_and_gets_the_welcome_voucher(razors):
    referrer = referrer_of(razors)
    spaced = " ".join(referrer.referral_code.lower())
    new = enrol(razors, referral_code=spaced, channel="till", at=T0)
    referral = referral_of(new)
    assert (referral.status, referral.referrer_id) == (Status.SIGNED_UP, referrer.pk)
    assert voucher_rewards(new) == ["welcome-10"]


def test_an_unknown_code_is_refused_and_nothing_is_enrolled(razors):
    with pytest.raises(ValidationFailed) as refused:
        enrol(razors, referral_code="NOPE99", channel="till")
    assert refused.value.code == "invalid_referral_code"


def test_the_first_purchase_converts_and_the_job_approves_review_days_after_it(razors):
    referrer = referrer_of(razors)
    new = friend(razors, referrer)
    buy(razors, new, at=T0)
    referral = referral_of(new)
    assert (referral.status, referral.due_at) == (Status.PURCHASED, DUE)
    assert approve(DUE - timedelta(seconds=1)) == 0
    assert approve(DUE) == 1
    referral.refresh_from_db()
    assert (referral.status, referral.approved_at) == (Status.APPROVED, DUE)


def test_a_second_purchase_changes_nothing(razors):
    new = friend(razors, referrer_of(razors))
    first = buy(razors, new, at=T0)
    buy(razors, new, at=T0 + timedelta(days=3))
    assert referral_of(new).purchase_id == first.pk


def test_left_out_review_days_are_the_programs_pending_days(db):
    doc = referral_document("pending")
    del doc["referral"]["review_days"]
    doc["program"]["pending_days"] = 7
    shop = config_import(doc)
    new = friend(shop, referrer_of(shop))
    buy(shop, new, at=T0)
    assert referral_of(new).due_at == T0 + timedelta(days=7)


def test_a_full_refund_before_approval_voids_it_and_a_partial_one_keeps_it(razors):
    referrer = referrer_of(razors)
    kept, voided = friend(razors, referrer), friend(razors, referrer)
    refund(razors, buy(razors, kept), "40000")
    whole = buy(razors, voided)
    refund(razors, whole, "60000")
    refund(razors, whole, "40000")
    approve(DUE)
    assert referral_of(kept).status == Status.APPROVED
    assert (referral_of(voided).status, referral_of(voided).reason) == (Status.VOIDED, Reason.REFUNDED)


def test_approval_gives_referrer_points_once_and_a_rerun_changes_nothing(db):
    shop = config_import(referral_document("points", referrer_points=50))
    referrer = referrer_of(shop)
    buy(shop, friend(shop, referrer))
    assert approve(DUE) == 1
    assert approve(DUE) == 0
    entries = LedgerEntry.objects.filter(account_id=referrer.account_id, kind=EntryKind.REFERRAL)
    assert [e.points for e in entries] == [50]
    referrer.account.refresh_from_db()
    assert (referrer.account.points_balance, referrer.account.lifetime_earned) == (50, 50)
    assert ledger_violations() == []


def test_a_full_refund_after_approval_claws_the_points_back_into_debt_and_milestones_stay(db):
    shop = config_import(referral_document("claw", referrer_points=30, milestones=[{"count": 1, "reward": "razor"}]))
    referrer = referrer_of(shop)
    new = friend(shop, referrer)
    first = buy(shop, new)
    approve(DUE)
    from loyalty.services.ledger import Actor, points_adjust

    points_adjust(account_id=referrer.account_id, actor=Actor(shop=shop), points=-20, reason="spent", at=DUE)
    refund(shop, first, "100000", at=DUE + timedelta(days=1))
    referral = referral_of(new)
    assert (referral.status, referral.reason) == (Status.VOIDED, Reason.REFUNDED_AFTER_APPROVAL)
    referrer.account.refresh_from_db()
    assert referrer.account.points_balance == -20, "10 left, 30 taken back: a debt of 20"
    assert voucher_rewards(referrer) == ["razor"]
    assert MilestoneAward.objects.filter(referrer=referrer).count() == 1
    assert ledger_violations() == []


def test_the_weekly_cap_rejects_approvals_past_it_in_one_iso_week(db):
    shop = config_import(referral_document("capped", max_per_week=2))
    referrer = referrer_of(shop)
    friends = [friend(shop, referrer) for _ in range(3)]
    for new in friends:
        buy(shop, new)
    late = friend(shop, referrer)
    buy(shop, late, at=T0 + timedelta(days=7))  # due the next ISO week
    approve(DUE + timedelta(days=7))
    statuses = [referral_of(m).status for m in friends]
    assert statuses == [Status.APPROVED, Status.APPROVED, Status.REJECTED]
    assert referral_of(friends[2]).reason == Reason.WEEKLY_CAP
    assert referral_of(late).status == Status.APPROVED


def test_the_ladder_rewards_each_milestone_once_at_5_10_25_50(razors):
    referrer = referrer_of(razors)
    reached = []
    for target in (4, 5, 9, 10, 24, 25, 49, 50):
        while len(reached) < target:
            new = friend(razors, referrer)
            buy(razors, new)
            reached.append(new)
        approve(DUE)
        expected = sorted(code for count, code in [(5, "shave-cream"), (10, "razor"), (25, "premium-razor"),
                                                   (50, "year-of-shaves")] if count <= target)  # fmt: skip
        assert voucher_rewards(referrer) == expected, target


def test_a_merge_moves_the_duplicates_referrals_and_the_first_referrer_wins(razors):
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    first, second, duplicate_referrer = referrer_of(razors), referrer_of(razors), referrer_of(razors)
    kept_friend = friend(razors, first, at=T0)
    twin = friend(razors, second, at=T0 + timedelta(hours=1))
    made_by_duplicate = friend(razors, duplicate_referrer)
    keep = referrer_of(razors)
    members_merge(keep=keep, duplicate=duplicate_referrer, actor=Actor(shop=razors))
    assert referral_of(made_by_duplicate).referrer == keep
    members_merge(keep=kept_friend, duplicate=twin, actor=Actor(shop=razors))
    assert referral_of(kept_friend).status == Status.SIGNED_UP
    assert (referral_of(twin).status, referral_of(twin).reason) == (Status.REJECTED, Reason.ALREADY_REFERRED)


def test_a_merge_of_a_referrer_with_their_own_friend_rejects_the_referral(razors):
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    referrer = referrer_of(razors)
    same_person = friend(razors, referrer)
    members_merge(keep=referrer, duplicate=same_person, actor=Actor(shop=razors))
    assert (referral_of(same_person).status, referral_of(same_person).reason) == (Status.REJECTED, Reason.SAME_PERSON)


def test_switching_the_program_off_counts_no_new_sign_up_but_lets_those_under_way_be_approved(db):
    shop = config_import(referral_document("paused", referrer_points=10))
    referrer = referrer_of(shop)
    under_way = friend(shop, referrer)
    buy(shop, under_way)
    shop = config_import(referral_document("paused", referrer_points=10, enabled=False), update=True)
    later = friend(shop, referrer)
    assert not Referral.objects.filter(referee=later).exists()
    approve(DUE)
    assert referral_of(under_way).status == Status.APPROVED
    referrer.account.refresh_from_db()
    assert referrer.account.points_balance == 10


def test_referrer_points_move_the_referrer_up_a_tier_at_once(db):
    doc = referral_document("tiers", referrer_points=100)
    levels = [{"code": "green", "name": "Green", "threshold": 0}, {"code": "gold", "name": "Gold", "threshold": 100}]
    doc["program"]["tiers"] = {"basis": "points_earned", "window": "lifetime", "levels": levels}
    shop = config_import(doc)
    referrer = referrer_of(shop)
    buy(shop, friend(shop, referrer))
    approve(DUE)
    referrer.account.refresh_from_db()
    assert referrer.account.tier.code == "gold"
