"""Challenges and surprises under real concurrency on PostgreSQL: purchases racing across a challenge's target
complete it once, and so do two referral approvals; the same receipt sent by several tills at once is one purchase
with one draw."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from challenges.models import LeaderboardAward, MemberBadge, Progress, Surprise, SurpriseWin
from challenges.services.leaderboards import leaderboard_opt_in, leaderboard_prizes
from challenges.services.surprises import draw_wins
from loyalty.models import LedgerEntry, Member
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from referrals.models import Referral, Status
from referrals.services.approval import referral_approve, referrals_approve
from rewards.models import Voucher
from tests.referrals.conftest import T0, friend, referral_document, referrer_of
from tests.referrals.conftest import buy as referral_buy
from tests.threads import race

from .conftest import MID_MARCH, buy, challenge, customer, fun_document

pytestmark = pytest.mark.postgres


def tally(results: list) -> Counter:
    return Counter("ok" if not isinstance(r, BaseException) else type(r).__name__ for r in results)


@pytest.fixture
def shop(transactional_db):
    surprise = {"code": "pastry", "name": "Surprise pastry", "one_in": 20, "reward": "pastry"}
    return config_import(fun_document("races", challenges=[challenge(reward="free-coffee")], surprises=[surprise]))


def _fresh(i, member_id):
    """Each thread's own copy of the member, as a till request loads it."""
    return Member.objects.select_related("shop__program", "account__tier").get(pk=member_id)


def test_purchases_racing_across_the_target_complete_the_challenge_once(shop):
    member = customer(shop)
    for day in range(4):
        buy(shop, member, at=MID_MARCH + timedelta(days=day))

    results = race(8, lambda i, fresh: buy(fresh.shop, fresh, at=MID_MARCH + timedelta(hours=i)),
                   prepare=lambda i: _fresh(i, member.pk))  # fmt: skip

    assert tally(results) == {"ok": 8}, results
    row = Progress.objects.get(member=member)
    assert row.completed_at is not None
    assert LedgerEntry.objects.filter(account=member.account, source="challenge:march-regular").count() == 1
    assert Voucher.objects.filter(member=member, source="challenge").count() == 1
    assert MemberBadge.objects.filter(member=member, kind="challenge").count() == 1
    assert ledger_violations() == []


def test_many_members_completing_at_once_each_complete_once(shop):
    members = [customer(shop, name=f"Member {i}") for i in range(6)]
    for member in members:
        for day in range(4):
            buy(shop, member, at=MID_MARCH + timedelta(days=day))

    results = race(12, lambda i, fresh: buy(fresh.shop, fresh), prepare=lambda i: _fresh(i, members[i % 6].pk))

    assert tally(results) == {"ok": 12}, results
    assert Progress.objects.filter(completed_at__isnull=False).count() == 6
    assert LedgerEntry.objects.filter(source="challenge:march-regular").count() == 6
    assert Voucher.objects.filter(source="challenge").count() == 6
    assert ledger_violations() == []


def test_one_winning_receipt_sent_by_several_tills_at_once_wins_once(shop):
    member = customer(shop)
    surprise = Surprise.objects.get(shop=shop)
    receipt = next(f"R-{n}" for n in range(10_000) if draw_wins(surprise, shop_id=shop.pk, external_id=f"R-{n}"))

    results = race(6, lambda i, fresh: buy(fresh.shop, fresh, external_id=receipt),
                   prepare=lambda i: _fresh(i, member.pk))  # fmt: skip

    outcome = tally(results)
    assert outcome["ok"] == 1 and outcome["DuplicatePurchase"] == 5, results
    assert SurpriseWin.objects.count() == 1 and Voucher.objects.filter(source="surprise").count() == 1


def test_two_workers_closing_the_month_give_each_prize_once(transactional_db):
    section = {"leaderboard": {"enabled": True, "prizes": [{"place": 1, "reward": "free-coffee"},
                                                           {"place": 2, "reward": "pastry"}]}}  # fmt: skip
    shop = config_import(fun_document("board-races", challenges=[], community=section))
    for index in range(3):
        member = customer(shop, name=f"Member {index}")
        leaderboard_opt_in(member=member, opted_in=True)
        for day in range(index + 1):
            buy(shop, member, at=MID_MARCH + timedelta(days=day))
    april = MID_MARCH + timedelta(days=20)

    results = race(4, lambda i, _: leaderboard_prizes(as_of=april))

    assert tally(results) == {"ok": 4}, results
    assert sum(results) == 2 and LeaderboardAward.objects.count() == 2
    assert Voucher.objects.filter(source="leaderboard").count() == 2


def test_two_approvals_completing_a_referral_challenge_at_once_complete_it_once(transactional_db):
    made = referral_document("referral-races", referrer_points=10)
    made["challenges"] = [challenge("bring-friends", "referrals", 3, starts="2031-05-01", ends="2031-07-01",
                                    reward="welcome-10", badge="Ambassador")]  # fmt: skip
    shop = config_import(made)
    referrer = referrer_of(shop)
    due = T0 + timedelta(days=14)
    referral_buy(shop, friend(shop, referrer))
    referrals_approve(as_of=due)  # one of three approved
    for _ in range(2):
        referral_buy(shop, friend(shop, referrer), at=T0 + timedelta(days=1))
    ids = list(Referral.objects.filter(status=Status.PURCHASED).values_list("id", flat=True))

    results = race(2, lambda i, _: referral_approve(referral_id=ids[i], as_of=due + timedelta(days=1)))

    assert tally(results) == {"ok": 2}, results
    row = Progress.objects.get(member=referrer, challenge__code="bring-friends")
    assert row.completed_at is not None and row.value == 3
    assert LedgerEntry.objects.filter(account=referrer.account, source="challenge:bring-friends").count() == 1
    assert Voucher.objects.filter(member=referrer, source="challenge").count() == 1
    assert MemberBadge.objects.filter(member=referrer, kind="challenge").count() == 1
    assert ledger_violations() == []


def test_two_workers_closing_the_month_give_each_referrer_prize_once(transactional_db):
    """Fails (two awards or two vouchers for a place) if _award inserted the award without its unique
    (shop, board, month, place) guard, e.g. with a plain save()."""
    made = referral_document("referrer-board-races")
    prizes = [{"board": "referrals", "place": 1, "reward": "razor"},
              {"board": "referrals", "place": 2, "reward": "shave-cream"}]  # fmt: skip
    made["community"] = {"leaderboard": {"enabled": True, "prizes": prizes}}
    shop = config_import(made)
    for index in range(3):
        member = referrer_of(shop, name=f"Referrer {index}")
        leaderboard_opt_in(member=member, opted_in=True)
        for _ in range(index + 1):
            referral_buy(shop, friend(shop, member))
    referrals_approve(as_of=T0 + timedelta(days=14))
    june = T0 + timedelta(days=20)

    results = race(4, lambda i, _: leaderboard_prizes(as_of=june))

    assert tally(results) == {"ok": 4}, results
    assert sum(results) == 2 and LeaderboardAward.objects.filter(board="referrals").count() == 2
    assert Voucher.objects.filter(source="leaderboard").count() == 2
