"""Challenges: each goal kind counted from what occurred inside the window (by the shop's clock), refunds taking
their share back before completion only, and what completing gives, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from challenges.models import BadgeKind, Challenge, MemberBadge, Progress
from challenges.services.challenges import challenges_close
from loyalty.models import LedgerEntry
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from rewards.models import Voucher

from .conftest import APRIL, MARCH, MID_MARCH, buy, challenge, customer, fun_document, line, refund

D = Decimal


def progress(member, code: str = "march-regular") -> Progress | None:
    return Progress.objects.filter(member=member, challenge__code=code).first()


def shop_with(db, *challenges, slug="cafe", **sections):
    return config_import(fun_document(slug, challenges=list(challenges), **sections))


# ---------------------------------------------------------------- visits and the window's edges


def test_a_visit_at_local_midnight_on_the_first_day_counts_and_one_just_before_does_not(cafe):
    member = customer(cafe)
    buy(cafe, member, at=MARCH - timedelta(seconds=1))
    assert progress(member) is None
    buy(cafe, member, at=MARCH)
    assert progress(member).value == 1


def test_the_last_second_of_the_window_counts_and_the_end_date_is_exclusive(cafe):
    member = customer(cafe)
    buy(cafe, member, at=APRIL - timedelta(seconds=1))
    buy(cafe, member, at=APRIL)
    assert progress(member).value == 1


def test_the_window_is_judged_in_the_shops_time_zone_not_utc(cafe):
    """1 March 00:30 in Ho Chi Minh City is still 28 February in UTC: it counts."""
    member = customer(cafe)
    buy(cafe, member, at=MARCH + timedelta(minutes=30))
    assert progress(member).value == 1


def test_five_visits_complete_the_challenge_with_its_points_and_badge_once(cafe):
    member = customer(cafe)
    for day in range(6):
        buy(cafe, member, at=MID_MARCH + timedelta(days=day))
    row = progress(member)
    assert row.completed_at is not None and row.value == 5, "frozen at completion"
    bonus = LedgerEntry.objects.filter(account=member.account, source="challenge:march-regular")
    assert [e.points for e in bonus] == [20]
    assert list(MemberBadge.objects.filter(member=member).values_list("kind", "name")) == [
        (BadgeKind.CHALLENGE, "Regular")
    ]
    assert ledger_violations() == []


def test_a_refund_before_completion_takes_the_visit_back(cafe):
    member = customer(cafe)
    purchases = [buy(cafe, member, at=MID_MARCH + timedelta(days=d)) for d in range(4)]
    refund(cafe, purchases[0])
    assert progress(member).value == 3
    buy(cafe, member)
    assert progress(member).completed_at is None, "4 of 5"
    buy(cafe, member)
    assert progress(member).completed_at is not None


def test_a_partial_refund_keeps_the_visit(cafe):
    member = customer(cafe)
    purchase = buy(cafe, member, "50000")
    refund(cafe, purchase, "20000")
    assert progress(member).value == 1


def test_a_refund_after_completion_leaves_it_completed_and_the_points_given(cafe):
    member = customer(cafe)
    purchases = [buy(cafe, member, at=MID_MARCH + timedelta(days=d)) for d in range(5)]
    refund(cafe, purchases[-1])
    refund(cafe, purchases[0])
    row = progress(member)
    assert row.completed_at is not None and row.value == 5
    buy(cafe, member)
    assert LedgerEntry.objects.filter(account=member.account, source="challenge:march-regular").count() == 1
    assert ledger_violations() == []


def test_a_reward_voucher_is_issued_on_completion(db):
    shop = shop_with(db, challenge(target=2, reward="free-coffee", points=0, badge=""))
    member = customer(shop)
    buy(shop, member)
    assert not Voucher.objects.filter(member=member).exists()
    buy(shop, member)
    voucher = Voucher.objects.get(member=member)
    assert voucher.reward.code == "free-coffee" and voucher.source == "challenge"
    assert progress(member).voucher == voucher
    assert not LedgerEntry.objects.filter(account=member.account, source__startswith="challenge").exists()


# ---------------------------------------------------------------- spend, items, categories, streaks


def test_spend_counts_what_was_paid_less_refunds_to_the_dong(db):
    shop = shop_with(db, challenge("big-spender", "spend", "500000"))
    member = customer(shop)
    first = buy(shop, member, "300000")
    buy(shop, member, "199999")
    assert progress(member, "big-spender").value == D("499999")
    refund(shop, first, "100000")
    assert progress(member, "big-spender").value == D("399999")
    buy(shop, member, "100001")
    assert progress(member, "big-spender").completed_at is not None


def test_distinct_items_count_different_skus_within_the_categories(db):
    goal = challenge("taster", "distinct_items", 3)
    goal["goal"]["categories"] = ["coffee"]
    shop = shop_with(db, goal)
    member = customer(shop)
    buy(shop, member, "80000", lines=[line("latte", "coffee", "40000"), line("latte", "coffee", "40000")])
    buy(shop, member, "70000", lines=[line("mocha", "coffee", "40000"), line("croissant", "food", "30000")])
    assert progress(member, "taster").value == 2, "the latte twice is one item; the croissant is not coffee"
    buy(shop, member, "40000", lines=[line("flat-white", "coffee", "40000")])
    assert progress(member, "taster").completed_at is not None


def test_categories_count_different_categories_and_a_full_refund_removes_its_own(db):
    shop = shop_with(db, challenge("explorer", "categories", 3))
    member = customer(shop)
    buy(shop, member, "40000", lines=[line("latte", "coffee", "40000")])
    tea = buy(shop, member, "45000", lines=[line("oolong", "tea", "45000")])
    buy(shop, member, "40000", lines=[line("espresso", "coffee", "40000")])
    assert progress(member, "explorer").value == 2
    refund(shop, tea)
    assert progress(member, "explorer").value == 1


def test_a_streak_counts_weeks_in_a_row_by_the_shops_calendar(db):
    shop = shop_with(db, challenge("four-weeks", "streak", 4))
    member = customer(shop)
    monday = MARCH.replace(day=3)  # 3 March 2031 is a Monday
    for week in (0, 1, 3):
        buy(shop, member, at=monday + timedelta(weeks=week, hours=9))
    assert progress(member, "four-weeks").value == 2, "a gap breaks the run"
    buy(shop, member, at=monday + timedelta(weeks=2, days=6, hours=23))  # Sunday 23:00 local closes the gap
    assert progress(member, "four-weeks").completed_at is not None


def test_a_streak_week_starts_on_monday_at_local_midnight(db):
    shop = shop_with(db, challenge("two-weeks", "streak", 2))
    member = customer(shop)
    monday = MARCH.replace(day=10)
    buy(shop, member, at=monday - timedelta(seconds=1))  # Sunday 23:59:59: the week before
    buy(shop, member, at=monday)
    assert progress(member, "two-weeks").completed_at is not None


# ---------------------------------------------------------------- who takes part, and closing


def test_a_challenge_for_a_tier_ignores_members_of_other_tiers(db):
    document = fun_document("tiered", challenges=[challenge(target=1, tiers=["gold"])])
    document["program"]["tiers"] = {
        "basis": "points_earned",
        "window": "lifetime",
        "levels": [
            {"code": "green", "name": "Green", "threshold": 0},
            {"code": "gold", "name": "Gold", "threshold": 1000},
        ],
    }
    shop = config_import(document)
    member = customer(shop)
    buy(shop, member)
    assert progress(member) is None


def test_two_challenges_count_the_same_purchase(db):
    shop = shop_with(db, challenge("a", target=1), challenge("b", "spend", "50000", badge="Big"))
    member = customer(shop)
    buy(shop, member, "50000")
    assert progress(member, "a").completed_at and progress(member, "b").completed_at
    assert MemberBadge.objects.filter(member=member).count() == 2


def test_the_job_closes_ended_windows_once_and_late_purchases_no_longer_count(cafe):
    member = customer(cafe)
    assert challenges_close(as_of=APRIL - timedelta(seconds=1)) == 0
    assert challenges_close(as_of=APRIL) == 1
    assert challenges_close(as_of=APRIL + timedelta(days=1)) == 0
    buy(cafe, member, at=MID_MARCH)  # synced late: the window is closed
    assert progress(member) is None


def test_an_inactive_challenge_counts_nothing(cafe):
    Challenge.objects.filter(shop=cafe).update(active=False)
    cafe.program.save()  # the change a portal edit makes
    member = customer(cafe)
    buy(cafe, member)
    assert progress(member) is None


def test_a_free_purchase_is_still_a_visit(cafe):
    member = customer(cafe)
    buy(cafe, member, "0")
    assert progress(member).value == 1


def test_nothing_is_counted_for_a_shop_without_challenges(db):
    shop = config_import(fun_document("plain", challenges=[]))
    member = customer(shop)
    buy(shop, member)
    assert not Progress.objects.exists()


def test_a_merge_moves_the_duplicates_visits_so_the_kept_member_completes_with_them(cafe):
    """The duplicate's purchases move with their account: the kept member's next visit counts all of them."""
    from loyalty.services.ledger import Actor
    from loyalty.services.members import members_merge

    keep, duplicate = customer(cafe, name="Keep"), customer(cafe, name="Duplicate")
    for _visit in range(3):
        buy(cafe, duplicate)
    buy(cafe, keep)
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=cafe))
    buy(cafe, keep)
    assert progress(keep).value == 5 and progress(keep).completed_at is not None
