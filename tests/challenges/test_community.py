"""The leaderboard (opt-in, first names and initials only, prizes given once when the month closes) and the
shop's public page with its ideas board (members post and vote, rate-limited; the owner answers and hides)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from challenges.models import Idea, IdeaStatus, LeaderboardAward
from challenges.services.ideas import IDEAS_PER_DAY, idea_post
from challenges.services.leaderboards import leaderboard, leaderboard_opt_in, leaderboard_prizes
from loyalty.names import public_name
from loyalty.services.config import config_import
from loyalty.services.privacy import member_erase
from rewards.models import Voucher

from .conftest import HCM, buy, customer, fun_document, refund
from .test_pages import signed_in, staff_client

MARCH = datetime(2031, 3, 1, tzinfo=HCM).date()


def community_shop(slug: str = "club", prizes=None, **flags):
    section = {"badges": True, "ideas": True, "leaderboard": {"enabled": True, "prizes": prizes or []}} | flags
    return config_import(fun_document(slug, challenges=[], community=section))


def visits(shop, member, count: int, day: int = 5):
    return [buy(shop, member, at=datetime(2031, 3, day, 9, tzinfo=HCM) + timedelta(hours=i)) for i in range(count)]


# ---------------------------------------------------------------- the leaderboard


def test_only_members_who_opted_in_are_on_the_board(db):
    shop = community_shop()
    shy, keen = customer(shop, name="Trần Thị Bích"), customer(shop, name="Lê Minh Châu")
    visits(shop, shy, 5)
    visits(shop, keen, 2)
    assert leaderboard(shop, MARCH) == []
    leaderboard_opt_in(member=keen, opted_in=True)
    assert [(p.place, p.display_name, p.score) for p in leaderboard(shop, MARCH)] == [(1, "Châu L.", 2)]


def test_names_are_the_given_name_and_an_initial_only():
    assert public_name("Nguyễn Thu Linh") == "Linh N."
    assert public_name("Anna Maria Kowalska") == "Anna K."
    assert public_name("Cher") == "Cher"
    assert public_name("") == "—"


def test_the_board_counts_the_months_visits_by_the_shops_clock_less_full_refunds(db):
    shop = community_shop()
    a, b = customer(shop, name="An Nguyen"), customer(shop, name="Binh Tran")
    for member in (a, b):
        leaderboard_opt_in(member=member, opted_in=True)
    refunded = visits(shop, a, 3)
    refund(shop, refunded[0])
    refund(shop, refunded[1])
    visits(shop, b, 2)
    buy(shop, a, at=datetime(2031, 3, 1, tzinfo=HCM) - timedelta(seconds=1))  # February by the shop's clock
    assert [(p.display_name, p.score) for p in leaderboard(shop, MARCH)] == [("Binh T.", 2), ("An N.", 1)]


def test_an_erased_member_leaves_the_board(db):
    shop = community_shop()
    member = customer(shop, name="Lan Pham")
    leaderboard_opt_in(member=member, opted_in=True)
    visits(shop, member, 2)
    member_erase(member=member, at=datetime(2031, 3, 20, tzinfo=HCM))
    assert all(place.display_name != "Lan P." for place in leaderboard(shop, MARCH))


def test_the_prizes_go_to_the_top_places_once_when_the_month_closes(db):
    shop = community_shop(prizes=[{"place": 1, "reward": "free-coffee"}, {"place": 2, "reward": "pastry"}])
    first, second, third = (customer(shop, name=n) for n in ("An Le", "Binh Vo", "Chi Do"))
    for member, count in ((first, 4), (second, 3), (third, 2)):
        leaderboard_opt_in(member=member, opted_in=True)
        visits(shop, member, count)
    assert leaderboard_prizes(as_of=datetime(2031, 3, 31, 23, tzinfo=HCM)) == 0, "February closed: nobody"
    april = datetime(2031, 4, 1, 0, 5, tzinfo=HCM)
    assert leaderboard_prizes(as_of=april) == 2
    assert leaderboard_prizes(as_of=april + timedelta(days=3)) == 0, "a re-run gives nothing twice"
    awards = {a.place: (a.member_id, a.voucher.reward.code) for a in LeaderboardAward.objects.all()}
    assert awards == {1: (first.pk, "free-coffee"), 2: (second.pk, "pastry")}
    assert not Voucher.objects.filter(member=third).exists()


def test_the_shops_page_shows_this_months_board_by_first_names(db, client):
    shop = community_shop()
    member = customer(shop, name="Nguyễn Thu Linh", email="linh@example.com")
    leaderboard_opt_in(member=member, opted_in=True)
    buy(shop, member, at=datetime.now(HCM), now=datetime.now(HCM))
    html = client.get(reverse("challenges:community", kwargs={"slug": shop.slug})).content.decode()
    assert "Linh N." in html and "Nguyễn" not in html and member.phone not in html and "linh@" not in html


# ---------------------------------------------------------------- the shop's page and ideas


def test_anyone_reads_the_shops_page_with_the_program_rewards_and_impact(db, client):
    document = fun_document("open", challenges=[], impact={"name": "Trees planted", "unit": "trees",
                            "per": "purchase", "quantity": "1"}, community={"ideas": True})  # fmt: skip
    shop = config_import(document)
    response = client.get(reverse("challenges:community", kwargs={"slug": shop.slug}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 point for every ₫10,000 you spend." in html and "Plant A Tree" in html and "Trees planted" in html
    assert reverse("join", kwargs={"slug": shop.slug}) in html


def test_an_unknown_shop_is_404(db, client):
    assert client.get(reverse("challenges:community", kwargs={"slug": "nobody"})).status_code == 404


def test_a_signed_in_member_posts_an_idea_and_votes_once(db):
    shop = community_shop()
    member = customer(shop, name="Lan Pham")
    phone = signed_in(member)
    assert (
        phone.post(reverse("challenges:idea_new", kwargs={"slug": shop.slug}), {"text": "Oat milk"}).status_code == 302
    )
    idea = Idea.objects.get(shop=shop)
    vote = reverse("challenges:idea_vote", kwargs={"slug": shop.slug, "idea_id": idea.pk})
    phone.post(vote)
    idea.refresh_from_db()
    assert idea.votes == 1
    phone.post(vote)
    idea.refresh_from_db()
    assert idea.votes == 0, "a second press takes the vote back"
    html = phone.get(reverse("challenges:community", kwargs={"slug": shop.slug})).content.decode()
    assert "Oat milk" in html and "Lan P." in html and "Pham" not in html


def test_someone_not_signed_in_cannot_post_or_vote(db, client):
    shop = community_shop()
    idea = idea_post(member=customer(shop), text="Oat milk")
    assert client.post(reverse("challenges:idea_new", kwargs={"slug": shop.slug}), {"text": "Spam"}).status_code == 302
    client.post(reverse("challenges:idea_vote", kwargs={"slug": shop.slug, "idea_id": idea.pk}))
    assert Idea.objects.count() == 1 and Idea.objects.get().votes == 0


def test_a_member_of_another_shop_cannot_post_or_vote_here(db):
    shop, other = community_shop(), community_shop("other")
    idea = idea_post(member=customer(shop), text="Oat milk")
    stranger = signed_in(customer(other, name="Stranger"))
    stranger.post(reverse("challenges:idea_new", kwargs={"slug": shop.slug}), {"text": "From elsewhere"})
    vote = stranger.post(reverse("challenges:idea_vote", kwargs={"slug": other.slug, "idea_id": idea.pk}))
    assert Idea.objects.filter(shop=shop).count() == 1 and vote.status_code == 404


def test_posting_is_limited_per_member_per_day(db):
    shop = community_shop()
    phone = signed_in(customer(shop))
    url = reverse("challenges:idea_new", kwargs={"slug": shop.slug})
    for n in range(IDEAS_PER_DAY):
        assert phone.post(url, {"text": f"Idea number {n}"}).status_code == 302
    refused = phone.post(url, {"text": "One too many"})
    assert refused.status_code == 422 and "ideas a day" in refused.content.decode()
    assert Idea.objects.count() == IDEAS_PER_DAY


def test_ideas_are_closed_when_the_shop_has_no_board(db):
    shop = community_shop(ideas=False)
    signed_in(customer(shop)).post(reverse("challenges:idea_new", kwargs={"slug": shop.slug}), {"text": "Hello"})
    assert not Idea.objects.exists()


def test_the_owner_answers_marks_done_and_hides(db, client):
    shop = community_shop()
    idea = idea_post(member=customer(shop), text="Oat milk")
    owner = staff_client(shop, "owner")
    url = reverse("challenges:idea_moderate", kwargs={"idea_id": idea.pk})
    owner.post(url, {f"{idea.pk}-answer": "Done, from Monday", f"{idea.pk}-status": "done"})
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.DONE and idea.answer == "Done, from Monday"
    page = reverse("challenges:community", kwargs={"slug": shop.slug})
    assert "Done, from Monday" in client.get(page).content.decode()
    owner.post(url, {"hide": "1"})
    assert "Oat milk" not in client.get(page).content.decode()
    assert "Oat milk" in owner.get(reverse("challenges:ideas")).content.decode()


@pytest.mark.parametrize("role, status", [("cashier", 403), ("manager", 200)])
def test_moderation_is_for_managers_and_owners(db, role, status):
    shop = community_shop()
    assert staff_client(shop, role).get(reverse("challenges:ideas")).status_code == status


def test_a_late_job_catches_up_every_closed_month_once(db):
    shop = community_shop(prizes=[{"place": 1, "reward": "free-coffee"}])
    march, april = customer(shop, name="An Le"), customer(shop, name="Binh Vo")
    for member in (march, april):
        leaderboard_opt_in(member=member, opted_in=True)
    visits(shop, march, 2)
    buy(shop, april, at=datetime(2031, 4, 10, tzinfo=HCM), now=datetime(2031, 4, 20, tzinfo=HCM))
    assert leaderboard_prizes(as_of=datetime(2031, 6, 2, tzinfo=HCM)) == 2
    months = dict(LeaderboardAward.objects.values_list("month", "member_id"))
    assert months == {MARCH: march.pk, MARCH.replace(month=4): april.pk}
