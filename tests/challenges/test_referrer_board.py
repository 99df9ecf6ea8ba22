"""The top referrers' board of the community leaderboard and its prizes (counted from the approvals the referral
program reports through loyalty.hooks.ReferralApproved / ReferralVoided, opt-in, first name and initial only,
given once when the month closes), and the badges for the third, fifth and tenth approved friend."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from challenges.models import LeaderboardAward, LeaderboardPrize, MemberBadge
from challenges.selectors import member_badges
from challenges.services.leaderboards import leaderboard, leaderboard_opt_in, leaderboard_prizes
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export
from referrals.services.approval import referrals_approve
from rewards.models import Voucher
from tests.referrals.conftest import T0, buy, friend, referral_document, referrer_of, refund

from .test_pages import staff_client

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MAY = datetime(2031, 5, 1, tzinfo=HCM).date()
DUE = T0 + timedelta(days=14)  # approved 14 days after the friend's first purchase: 28 May, by the shop's clock
JUNE = datetime(2031, 6, 1, 0, 5, tzinfo=HCM)


def board_shop(slug: str = "board-razors", prizes=None, badges: bool = True):
    made = referral_document(slug)
    made["community"] = {"badges": badges, "leaderboard": {"enabled": True, "prizes": prizes or []}}
    return config_import(made)


def bring(shop, referrer, count: int = 1, *, at: datetime = T0) -> list:
    """`count` friends who join with the referrer's code and buy at `at` (approved 14 days later)."""
    return [buy(shop, friend(shop, referrer, at=at), at=at) for _ in range(count)]


def referrers(shop, *counts: int, opted: bool = True) -> list:
    made = []
    for index, count in enumerate(counts):
        member = referrer_of(shop, name=f"Referrer Number{index}")
        leaderboard_opt_in(member=member, opted_in=opted)
        bring(shop, member, count, at=T0 + timedelta(minutes=index))
        made.append(member)
    return made


def test_the_referrers_board_ranks_opted_in_members_by_the_months_approvals_less_voids(db):
    """Fails if the board counted purchases instead of approvals, kept a voided referral, or showed a member who
    did not opt in (drop the voided_at filter in leaderboards._scores, or the MemberPreference filter)."""
    shop = board_shop()
    first, second = referrers(shop, 3, 2)
    hidden = referrer_of(shop, name="Hidden Person")
    bring(shop, hidden, 5)
    voided = bring(shop, second, at=T0 + timedelta(hours=1))[0]
    referrals_approve(as_of=DUE + timedelta(days=1))
    refund(shop, voided, "100000", at=DUE + timedelta(days=2))  # the friend's first purchase wholly refunded

    places = leaderboard(shop, MAY, board="referrals")

    assert [(p.member_id, p.score, p.display_name) for p in places] == [
        (first.pk, 3, "Referrer N."),
        (second.pk, 2, "Referrer N."),
    ]
    assert leaderboard(shop, MAY) == [], "the visitors' board counts the referrers' own visits: none"


def test_the_referrers_prizes_go_to_the_top_places_once_when_the_month_closes(db):
    """Fails if the job gave only the visitors' board's prizes (the `board` of LeaderboardPrize ignored) or gave a
    prize twice on a re-run (the unique (shop, board, month, place) award)."""
    prizes = [
        {"board": "referrals", "place": 1, "reward": "razor"},
        {"board": "referrals", "place": 2, "reward": "shave-cream"},
        {"board": "visits", "place": 1, "reward": "welcome-10"},
    ]
    shop = board_shop(prizes=prizes)
    first, second, third = referrers(shop, 3, 2, 1)
    referrals_approve(as_of=DUE + timedelta(days=1))

    assert leaderboard_prizes(as_of=datetime(2031, 5, 31, 23, tzinfo=HCM)) == 0, "May is still open"
    assert leaderboard_prizes(as_of=JUNE) == 2, "the visitors' board has nobody: its prize waits"
    assert leaderboard_prizes(as_of=JUNE + timedelta(days=3)) == 0, "a re-run gives nothing twice"

    awards = {(a.board, a.place): (a.member_id, a.score, a.voucher.reward.code) for a in LeaderboardAward.objects.all()}
    assert awards == {("referrals", 1): (first.pk, 3, "razor"), ("referrals", 2): (second.pk, 2, "shave-cream")}
    assert not Voucher.objects.filter(member=third, source="leaderboard").exists()
    labels = [label for badge, label in member_badges(first) if badge.kind == "leaderboard"]
    assert labels == ["Top referrer 1 in 2031-05"]


def test_the_referrers_prizes_round_trip_through_the_configuration_file(db):
    """Fails if the export dropped a prize's board, so a re-import moved the referrers' prizes to the visitors."""
    shop = board_shop(prizes=[{"board": "referrals", "place": 1, "reward": "razor"}])
    exported = config_export(shop)["community"]["leaderboard"]["prizes"]
    assert exported == [{"board": "referrals", "place": 1, "reward": "razor"}]


def test_the_owner_attaches_and_removes_a_referrers_prize_in_the_portal(db):
    """Fails if the portal's prize form ignored the board, or removed another shop's prize (the shop filter of
    prize_delete)."""
    shop = board_shop()
    other = board_shop("other-razors", prizes=[{"board": "referrals", "place": 1, "reward": "razor"}])
    client = staff_client(shop, "manager")
    razor = shop.rewards.get(code="razor")
    url = reverse("challenges:community_settings")

    page = client.get(url).content.decode()
    assert "Top referrers" in page and 'value="referrals"' in page
    response = client.post(url, {"form": "prize", "board": "referrals", "place": "1", "reward": razor.pk})
    assert response.status_code == 302
    prize = LeaderboardPrize.objects.get(shop=shop)
    assert (prize.board, prize.place, prize.reward_id) == ("referrals", 1, razor.pk)

    foreign = LeaderboardPrize.objects.get(shop=other)
    assert client.post(reverse("challenges:prize_delete", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("challenges:prize_delete", args=[prize.pk])).status_code == 302
    assert not LeaderboardPrize.objects.filter(shop=shop).exists() and LeaderboardPrize.objects.filter(shop=other)


def test_a_prize_for_another_shops_reward_or_place_zero_is_refused(db):
    """Fails if the form let a prize name another shop's reward (the reward queryset) or place 0."""
    shop, other = board_shop(), board_shop("other-razors")
    client = staff_client(shop, "manager")
    url = reverse("challenges:community_settings")
    foreign = other.rewards.get(code="razor")
    assert (
        client.post(url, {"form": "prize", "board": "referrals", "place": "1", "reward": foreign.pk}).status_code == 422
    )
    own = shop.rewards.get(code="razor")
    assert client.post(url, {"form": "prize", "board": "referrals", "place": "0", "reward": own.pk}).status_code == 422
    assert not LeaderboardPrize.objects.exists()


@pytest.mark.parametrize(
    ("friends", "refs"), [(2, {""}), (3, {"", "3"}), (5, {"", "3", "5"}), (10, {"", "3", "5", "10"})]
)
def test_the_third_fifth_and_tenth_approved_friends_give_a_badge_each_once(db, friends, refs):
    """Fails if a milestone badge were given before its count (e.g. REFERRAL_MILESTONES compared with `>` against
    the count less one, or the two friends not approved yet counted) or given twice (insert without the unique
    (member, kind, ref) guard: the second approvals run would add rows)."""
    shop = board_shop()
    referrer = referrer_of(shop)
    bring(shop, referrer, friends)
    bring(shop, referrer, 2, at=DUE)  # not approved yet: not counted
    referrals_approve(as_of=DUE + timedelta(days=1))
    referrals_approve(as_of=DUE + timedelta(days=2))

    badges = MemberBadge.objects.filter(member=referrer, kind="referral")
    assert set(badges.values_list("ref", flat=True)) == refs and badges.count() == len(refs)
    labels = {label for _badge, label in member_badges(referrer)}
    assert ("10 friends brought" in labels) == (friends >= 10)


def test_a_voided_referral_does_not_count_towards_the_next_milestone_but_a_badge_earned_stays(db):
    """Fails if badges_referral counted voided referrals (the voided_at filter) or a void took a badge back."""
    shop = board_shop()
    referrer = referrer_of(shop)
    purchases = bring(shop, referrer, 3)
    referrals_approve(as_of=DUE + timedelta(minutes=1))
    refund(shop, purchases[0], "100000", at=DUE + timedelta(days=1))  # voids one: two left
    assert MemberBadge.objects.filter(member=referrer, kind="referral", ref="3").exists(), "kept"
    bring(shop, referrer, 2, at=DUE)  # 4 approved, not voided
    referrals_approve(as_of=DUE + timedelta(days=15))
    assert not MemberBadge.objects.filter(member=referrer, kind="referral", ref="5").exists()
