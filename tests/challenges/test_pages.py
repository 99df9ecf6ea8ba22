"""What people see: the member's card (progress bars, badges, impact, surprise wins, the leaderboard setting), the
counter's member panel, the portal's member page and the owners' challenge pages; each section costs the same
queries whatever the member's history."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge, MemberPreference, Surprise
from challenges.services.surprises import draw_wins
from loyalty.member_site.access import member_user
from loyalty.services.config import config_import
from loyalty.services.purchases import purchase_record
from tests.factories import StaffFactory, enrol

from .conftest import challenge, fun_document


def live_document(slug: str = "live") -> dict:
    today = timezone.now().astimezone(timezone.get_fixed_timezone(7 * 60)).date()
    window = {"starts": (today - timedelta(days=10)).isoformat(), "ends": (today + timedelta(days=20)).isoformat()}
    return fun_document(
        slug,
        challenges=[
            challenge("regular", target=5, **window),
            challenge("spender", "spend", "200000", badge="", **window),
        ],
        impact={"name": "Trees planted", "unit": "trees", "per": "purchase", "quantity": "0.1"},
        surprises=[{"code": "pastry", "name": "Surprise pastry", "one_in": 20, "reward": "pastry"}],
        community={"badges": True, "ideas": True, "leaderboard": {"enabled": True, "prizes": []}},
    )


@pytest.fixture
def live(db):
    return config_import(live_document())


def buy_now(shop, member, amount: str = "50000", external_id: str | None = None):
    now = timezone.now()
    return purchase_record(
        shop=shop, external_id=external_id or f"R-{uuid.uuid4().hex[:10]}", amount=Decimal(amount), member=member,
        occurred_at=now, now=now,
    ).purchase  # fmt: skip


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member_user(member))
    return client


def staff_client(shop, role: str) -> Client:
    client = Client()
    client.force_login(StaffFactory(shop=shop, role=role).user)
    return client


def card(member) -> str:
    response = signed_in(member).get(reverse("member:shop", kwargs={"slug": member.shop.slug}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_card_shows_each_challenges_progress_moving_with_purchases(live):
    member = enrol(live, name="Nguyễn Thu Linh")
    assert "0 of 5 visits" in card(member)
    buy_now(live, member, "60000")
    buy_now(live, member, "60000")
    html = card(member)
    assert "2 of 5 visits" in html and 'aria-valuenow="40"' in html
    assert "₫120,000 of ₫200,000 spent" in html


def test_the_card_shows_badges_impact_and_the_members_share(live):
    member, other = enrol(live, name="Linh"), enrol(live, name="Bích")
    for _ in range(4):
        buy_now(live, member, "50000")
    buy_now(live, other)
    html = card(member)
    assert re.search(r"data-impact-total>0\.5<", html) and re.search(r"data-impact-mine>0\.4<", html)
    assert "First visit" in html and "Regular" not in html.split("Your badges")[1].split("</section>")[0]
    buy_now(live, member, "50000")
    assert "Regular" in card(member).split("Your badges")[1]


def test_a_surprise_win_shows_on_the_card_and_at_the_counter(live):
    member = enrol(live, name="Linh")
    surprise = Surprise.objects.get(shop=live)
    receipt = next(f"W-{n}" for n in range(10_000) if draw_wins(surprise, shop_id=live.pk, external_id=f"W-{n}"))
    buy_now(live, member, external_id=receipt)
    assert "Surprises you won" in card(member) and "Pastry" in card(member)
    counter = staff_client(live, "cashier").get(reverse("counter:member", kwargs={"member_id": member.pk}))
    html = counter.content.decode()
    assert counter.status_code == 200 and "Surprise!" in html and "This purchase won Pastry" in html


def test_the_counter_shows_the_progress_in_words(live):
    member = enrol(live, name="Linh")
    buy_now(live, member)
    buy_now(live, member)
    html = staff_client(live, "cashier").get(reverse("counter:member", kwargs={"member_id": member.pk})).content
    assert "2 of 5 visits" in html.decode()


def test_the_portal_member_page_shows_challenges_and_badges(live):
    member = enrol(live, name="Linh")
    buy_now(live, member)
    html = staff_client(live, "cashier").get(reverse("portal:member", kwargs={"member_id": member.pk})).content
    assert "Challenges and badges" in html.decode() and "1 of 5 visits" in html.decode()


def test_the_leaderboard_setting_is_off_until_the_member_turns_it_on(live):
    member = enrol(live, name="Linh")
    assert "You are not on the leaderboard" in card(member)
    phone = signed_in(member)
    url = reverse("challenges:leaderboard_choice", kwargs={"slug": live.slug})
    assert phone.post(url, {"on": "1"}).status_code == 302
    assert MemberPreference.objects.get(member=member).leaderboard
    assert "You are on this month" in card(member)
    buy_now(live, member)
    assert "Place 1, with 1 visit." in card(member)
    phone.post(url, {"on": "0"})
    assert not MemberPreference.objects.get(member=member).leaderboard


def test_another_shops_member_cannot_set_the_leaderboard_here(live):
    other = enrol(config_import(live_document("other")), name="Bích")
    url = reverse("challenges:leaderboard_choice", kwargs={"slug": live.slug})
    assert signed_in(other).post(url, {"on": "1"}).status_code == 404


def queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_card_costs_the_same_queries_whatever_the_history(live):
    short, long = enrol(live, name="Short"), enrol(live, name="Long")
    buy_now(live, short)
    for _ in range(12):
        buy_now(live, long)
    url = reverse("member:shop", kwargs={"slug": live.slug})
    assert queries(signed_in(short), url) == queries(signed_in(long), url)


def test_a_shop_without_the_fun_shows_none_of_it(db):
    shop = config_import(fun_document("plain", challenges=[]))
    member = enrol(shop, name="Linh")
    buy_now(shop, member)
    html = card(member)
    assert "Challenges" not in html and "Your badges" not in html and "Leaderboard" not in html


# ---------------------------------------------------------------- the owners' pages


def test_the_challenge_list_shows_who_takes_part_and_completed(live):
    member = enrol(live, name="Linh")
    for _ in range(5):
        buy_now(live, member)
    response = staff_client(live, "manager").get(reverse("challenges:challenges"))
    html = response.content.decode()
    assert response.status_code == 200 and "Regular" in html and "5 of 5 visits" in html


def test_a_cashier_cannot_open_the_challenge_pages(live):
    assert staff_client(live, "cashier").get(reverse("challenges:challenges")).status_code == 403


def test_a_manager_adds_and_edits_a_challenge(live):
    client = staff_client(live, "manager")
    today = timezone.now().date()
    fields = {"code": "tea-lover", "name": "Three teas", "goal_kind": "distinct_items", "target": "3",
              "categories": "tea, matcha", "starts": today.isoformat(), "ends": (today + timedelta(days=7)).isoformat(),
              "points": "15", "badge": "Tea lover"}  # fmt: skip
    assert client.post(reverse("challenges:challenge_new"), fields).status_code == 302
    made = Challenge.objects.get(shop=live, code="tea-lover")
    assert made.categories == ["tea", "matcha"] and made.target == 3
    edit = reverse("challenges:challenge_edit", kwargs={"challenge_id": made.pk})
    assert client.post(edit, fields | {"target": "4"}).status_code == 302
    made.refresh_from_db()
    assert made.target == 4


@pytest.mark.parametrize(
    "change, field",
    [({"target": "2.5"}, "target"), ({"ends": "2020-01-01"}, "ends"), ({"code": "regular"}, "code")],
)
def test_a_wrong_challenge_is_refused_with_the_reason(live, change, field):
    today = timezone.now().date()
    fields = {"code": "new-one", "name": "New", "goal_kind": "visits", "target": "3", "starts": today.isoformat(),
              "ends": (today + timedelta(days=7)).isoformat(), "points": "0"} | change  # fmt: skip
    response = staff_client(live, "manager").post(reverse("challenges:challenge_new"), fields)
    assert response.status_code == 422 and field in response.context["form"].errors


def test_switching_a_challenge_off_stops_its_counting(live):
    client = staff_client(live, "manager")
    regular = Challenge.objects.get(shop=live, code="regular")
    client.post(reverse("challenges:challenge_active", kwargs={"challenge_id": regular.pk}), {"active": "0"})
    regular.refresh_from_db()
    assert not regular.active
    member = enrol(live, name="Linh")
    buy_now(live, member)
    assert "of 5 visits" not in card(member)


@pytest.mark.parametrize("page", ["counter:member", "portal:member"])
def test_the_counter_and_portal_member_pages_cost_the_same_queries_whatever_the_history(live, page):
    short, long = enrol(live, name="Short"), enrol(live, name="Long")
    buy_now(live, short)
    for _ in range(12):
        buy_now(live, long)
    client = staff_client(live, "manager")
    assert queries(client, reverse(page, kwargs={"member_id": short.pk})) == queries(
        client, reverse(page, kwargs={"member_id": long.pk})
    )
