"""The impact counter: per purchase, per amount of eligible spend and per visit day; refunds take it back in
proportion (a complete refund exactly); donation rewards add to it; totals are exact and per shop."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from challenges.models import ImpactEntry
from challenges.services.impact import impact_total
from loyalty.services.config import config_import
from loyalty.services.ledger import Actor
from rewards.services import reward_redeem

from .conftest import MID_MARCH, NOW, buy, customer, fun_document, line, refund

D = Decimal


def shop_with(slug: str, **impact) -> object:
    section = {"name": "Trees planted", "unit": "trees", "per": "purchase", "quantity": "0.1"} | impact
    document = fun_document(slug, challenges=[], impact=section)
    document["program"]["earn"]["exclude_categories"] = ["gift-card"]
    return config_import(document)


def test_each_purchase_adds_its_quantity_and_totals_are_exact(db):
    shop = shop_with("trees")
    members = [customer(shop), customer(shop, name="Trần Bích")]
    for index in range(30):
        buy(shop, members[index % 2])
    assert impact_total(shop) == D("3.0")
    assert impact_total(shop, members[0]) == D("1.5")


def test_another_shops_counter_is_its_own(db):
    ours, theirs = shop_with("ours"), shop_with("theirs")
    buy(ours, customer(ours))
    assert impact_total(theirs) == 0 and impact_total(ours) == D("0.1")


def test_per_amount_counts_whole_steps_of_eligible_spend(db):
    shop = shop_with("spend", per="amount", quantity="1", per_amount="100000")
    member = customer(shop)
    buy(shop, member, "250000", lines=[line("beans", "coffee", "150000"), line("card", "gift-card", "100000")])
    assert impact_total(shop) == D(1), "150,000 eligible: one step of 100,000"
    buy(shop, member, "200000")
    assert impact_total(shop) == D(3)


def test_visit_day_adds_once_a_local_day(db):
    shop = shop_with("daily", per="visit_day", quantity="1")
    member = customer(shop)
    morning = MID_MARCH.replace(hour=0, minute=0)
    buy(shop, member, at=morning)
    buy(shop, member, at=morning + timedelta(hours=23, minutes=59))
    buy(shop, member, at=morning + timedelta(days=1))
    assert impact_total(shop) == D(2)


def test_refunds_take_it_back_in_proportion_and_a_complete_refund_exactly(db):
    shop = shop_with("refunds", quantity="1")
    member = customer(shop)
    purchase = buy(shop, member, "30000")
    refund(shop, purchase, "10000")
    assert impact_total(shop) == D("0.6667"), "a third refunded, rounded half up to four places"
    refund(shop, purchase, "10000")
    assert impact_total(shop) == D("0.3333")
    refund(shop, purchase)
    assert impact_total(shop) == 0
    assert ImpactEntry.objects.filter(purchase=purchase).count() == 4


def test_a_refund_of_a_purchase_made_before_the_counter_started_takes_nothing(db):
    shop = config_import(fun_document("late", challenges=[]))
    member = customer(shop)
    purchase = buy(shop, member)
    document = fun_document("late", challenges=[], impact={"name": "Trees", "unit": "trees", "per": "purchase",
                                                            "quantity": "1"})  # fmt: skip
    config_import(document, update=True)
    refund(shop, purchase)
    assert impact_total(shop) == 0 and not ImpactEntry.objects.exists()


def test_a_donation_reward_adds_to_the_counter(db):
    shop = shop_with("donations", per_donation="2")
    member = customer(shop)
    for _ in range(3):
        buy(shop, member, "50000")  # 5 points each at 10,000 a point
    member.account.refresh_from_db()
    reward_redeem(member=member, reward_code="plant-a-tree", actor=Actor(shop=shop), at=NOW)
    assert impact_total(shop, member) == D("2.3")
