"""Challenges of approved referrals and the referral badge: the referral program reports approvals and voids
through loyalty.hooks events; progress counts the approvals inside the window (the shop's clock), a void takes
its share back before completion only, and the completion gives its points, voucher and badge once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import MemberBadge, Progress, ReferralCredit
from challenges.selectors import member_challenges
from loyalty.models import LedgerEntry
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge
from referrals.models import LeaderboardEntry
from referrals.services.approval import referrals_approve
from rewards.models import Voucher
from tests.referrals.conftest import T0, buy, friend, referral_document, referrer_of, refund

from .conftest import challenge

DUE = T0 + timedelta(days=14)  # the referral program approves 14 days after the friend's first purchase


def referral_goal(target: int = 2, **overrides) -> dict:
    made = challenge("bring-friends", kind="referrals", target=target, starts="2031-05-01", ends="2031-07-01")
    made.update(reward="welcome-10", badge="Ambassador", **overrides)
    return made


def shop_with(*challenges, badges: bool = True, slug: str = "razors"):
    made = referral_document(slug)
    made["challenges"] = list(challenges)
    made["community"] = {"badges": badges}
    return config_import(made)


@pytest.fixture
def shop(db):
    return shop_with(referral_goal())


def bring(shop, referrer, *, at: datetime = T0):
    """A friend who joins with the referrer's code and buys at `at`: approved 14 days later."""
    new = friend(shop, referrer, at=at)
    return buy(shop, new, at=at)


def progress(member) -> Progress:
    return Progress.objects.get(member=member, challenge__code="bring-friends")


def test_two_approved_friends_complete_the_challenge_once_with_points_voucher_and_badge(shop):
    referrer = referrer_of(shop)
    bring(shop, referrer)
    referrals_approve(as_of=DUE)
    assert progress(referrer).value == 1 and progress(referrer).completed_at is None
    assert member_challenges(referrer, DUE)[0].text == "1 of 2 friends approved"

    bring(shop, referrer, at=T0 + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=2))  # a re-run gives nothing twice

    row = progress(referrer)
    assert row.completed_at == DUE + timedelta(days=1) and row.completed_by is None
    entry = LedgerEntry.objects.get(account=referrer.account, source="challenge:bring-friends")
    assert (entry.points, entry.event_key) == (20, f"challenge:{row.challenge_id}")
    assert Voucher.objects.filter(member=referrer, source="challenge").count() == 1
    assert MemberBadge.objects.filter(member=referrer, kind="challenge", name="Ambassador").count() == 1


def test_an_approval_counts_inside_the_window_by_the_shops_clock_and_not_at_its_end(db):
    shop = shop_with(referral_goal(target=1, starts="2031-05-01", ends="2031-05-29"))
    end = datetime(2031, 5, 29, tzinfo=shop.tz)
    late, inside = referrer_of(shop, name="Late Referrer"), referrer_of(shop, name="Inside Referrer")
    bring(shop, late, at=end - timedelta(days=14))  # approved at the window's end: outside
    bring(shop, inside, at=end - timedelta(days=14, seconds=1))  # approved one second before it
    referrals_approve(as_of=end)

    assert not Progress.objects.filter(member=late).exists()
    assert progress(inside).completed_at == end - timedelta(seconds=1)


def test_a_void_before_completion_takes_the_referral_back_out(shop):
    referrer = referrer_of(shop)
    first = bring(shop, referrer)
    referrals_approve(as_of=DUE)
    refund(shop, first, "100000", at=DUE + timedelta(hours=1))  # the friend's first purchase, wholly refunded

    assert progress(referrer).value == 0
    assert ReferralCredit.objects.get(member=referrer).voided_at == DUE + timedelta(hours=1)
    bring(shop, referrer, at=T0 + timedelta(days=2))
    referrals_approve(as_of=DUE + timedelta(days=2))
    assert progress(referrer).value == 1 and progress(referrer).completed_at is None


def test_a_void_after_completion_leaves_the_challenge_completed_with_what_it_gave(shop):
    referrer = referrer_of(shop)
    first = bring(shop, referrer)
    bring(shop, referrer)
    referrals_approve(as_of=DUE)
    refund(shop, first, "100000", at=DUE + timedelta(hours=1))

    row = progress(referrer)
    assert row.completed_at is not None and row.value == 2
    assert LedgerEntry.objects.filter(account=referrer.account, source="challenge:bring-friends").count() == 1


def test_purchases_do_not_move_a_referral_challenge(shop):
    referrer = referrer_of(shop)
    for day in range(3):
        buy(shop, referrer, at=T0 + timedelta(days=day))
    assert not Progress.objects.filter(member=referrer).exists()


def test_the_first_approved_friend_gives_the_referral_badge_once(shop):
    referrer = referrer_of(shop)
    bring(shop, referrer)
    bring(shop, referrer, at=T0 + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=1))

    badge = MemberBadge.objects.get(member=referrer, kind="referral")
    assert badge.earned_at == DUE


def test_without_badges_no_referral_badge_but_the_approval_is_kept_for_a_later_challenge(db):
    shop = shop_with(badges=False)
    referrer = referrer_of(shop)
    bring(shop, referrer)
    referrals_approve(as_of=DUE)
    assert not MemberBadge.objects.filter(member=referrer).exists()
    assert ReferralCredit.objects.filter(member=referrer, voided_at__isnull=True).count() == 1

    made = referral_document("razors")
    made["challenges"] = [referral_goal(target=2)]
    config_import(made, update=True)
    bring(shop, referrer, at=T0 + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=1))  # the month's first approval counts too
    assert progress(referrer).completed_at == DUE + timedelta(days=1)


def test_the_shops_page_shows_the_months_top_referrers_who_chose_to_appear(db, client):
    shop = config_import(referral_document("board-razors", leaderboard=True))
    now = timezone.now()
    bought = now - timedelta(days=14, minutes=1)  # approved a minute ago: this month's board
    shown, hidden = referrer_of(shop, name="Trần Thu Linh"), referrer_of(shop, name="Hidden Person")
    for referrer, count in ((shown, 2), (hidden, 3)):
        for _ in range(count):
            bring(shop, referrer, at=bought)
    referrals_approve(as_of=now)
    LeaderboardEntry.objects.create(member=shown, at=now)

    html = client.get(reverse("challenges:community", kwargs={"slug": shop.slug})).content.decode()

    board = html.split('id="top-referrers"')[1]
    assert "Top referrers in" in board and "Linh T." in board and "2 friends" in board
    assert "Hidden" not in html and "Trần Thu Linh" not in html


def test_a_shop_without_the_referral_board_shows_none_on_its_page(shop, client):
    html = client.get(reverse("challenges:community", kwargs={"slug": shop.slug})).content.decode()
    assert 'id="top-referrers"' not in html


def test_a_merge_moves_the_duplicates_approved_referrals_to_the_kept_member(shop):
    keep, duplicate = referrer_of(shop, name="Kept Referrer"), referrer_of(shop, name="Twin Referrer")
    bring(shop, duplicate)
    referrals_approve(as_of=DUE)
    members_merge(keep=keep, duplicate=duplicate, actor=Actor(shop=shop), at=DUE + timedelta(hours=1))

    bring(shop, keep, at=T0 + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=1))
    assert ReferralCredit.objects.filter(member=keep, account=keep.account).count() == 2
    assert progress(keep).completed_at == DUE + timedelta(days=1)
