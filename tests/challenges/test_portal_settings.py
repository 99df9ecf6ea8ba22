"""The owners' community page: the impact counter's settings and total, surprise rewards on and off, the community
switches; every change goes through the services and wrong values are refused with their reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from challenges.models import Community, Impact, Surprise
from loyalty.services.config import config_import
from rewards.models import Reward

from .conftest import buy, customer, fun_document
from .test_pages import staff_client

URL = reverse("challenges:community_settings")


@pytest.fixture
def shop(db):
    return config_import(fun_document("settings", challenges=[]))


def test_the_page_opens_for_managers_only(shop):
    assert staff_client(shop, "manager").get(URL).status_code == 200
    assert staff_client(shop, "cashier").get(URL).status_code == 403


def test_a_manager_starts_the_impact_counter_and_purchases_add_to_it(shop):
    client = staff_client(shop, "manager")
    fields = {"form": "impact", "name": "Meals given", "unit": "meals", "per": "purchase", "quantity": "0.5",
              "per_donation": "1"}  # fmt: skip
    assert client.post(URL, fields).status_code == 302
    assert Impact.objects.get(shop=shop).quantity == Decimal("0.5")
    buy(shop, customer(shop))
    assert "Meals given: 0.5 meals so far." in client.get(URL).content.decode()


def test_counting_by_amount_needs_the_amount(shop):
    fields = {"form": "impact", "name": "Trees", "unit": "trees", "per": "amount", "quantity": "1",
              "per_donation": "1"}  # fmt: skip
    response = staff_client(shop, "manager").post(URL, fields)
    assert response.status_code == 422 and "per_amount" in response.context["impact_form"].errors
    assert not Impact.objects.exists()


def test_a_manager_adds_a_surprise_and_switches_it_off(shop):
    client = staff_client(shop, "manager")
    pastry = Reward.objects.get(shop=shop, code="pastry")
    fields = {"form": "surprise", "code": "pastry", "name": "Pastry", "one_in": "20", "reward": pastry.pk,
              "min_spend": "0"}  # fmt: skip
    assert client.post(URL, fields).status_code == 302
    surprise = Surprise.objects.get(shop=shop)
    assert surprise.one_in == 20 and surprise.active
    client.post(reverse("challenges:surprise_active", kwargs={"surprise_id": surprise.pk}), {"active": "0"})
    surprise.refresh_from_db()
    assert not surprise.active


def test_one_in_one_is_refused(shop):
    pastry = Reward.objects.get(shop=shop, code="pastry")
    fields = {"form": "surprise", "code": "p", "name": "P", "one_in": "1", "reward": pastry.pk, "min_spend": "0"}
    assert staff_client(shop, "manager").post(URL, fields).status_code == 422
    assert not Surprise.objects.exists()


def test_a_manager_turns_the_leaderboard_and_ideas_on(shop):
    client = staff_client(shop, "manager")
    assert client.post(URL, {"form": "community", "leaderboard": "on", "ideas": "on"}).status_code == 302
    community = Community.objects.get(shop=shop)
    assert community.leaderboard and community.ideas and not community.badges


def test_money_respects_the_currencys_minor_units(shop):
    pastry = Reward.objects.get(shop=shop, code="pastry")
    fields = {"form": "surprise", "code": "p", "name": "P", "one_in": "5", "reward": pastry.pk, "min_spend": "0.5"}
    response = staff_client(shop, "manager").post(URL, fields)
    assert response.status_code == 422 and "VND has 0 decimal places." in response.content.decode()
