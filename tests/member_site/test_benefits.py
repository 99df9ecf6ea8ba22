"""The join page tells a customer what they get in their own words, numbers and money formatted for them."""

from django.utils import translation

from loyalty.member_site.benefits import program_benefits
from loyalty.services.config import config_import
from tests.member_site.conftest import cafe_document


def cafe(**program_overrides):
    document = cafe_document("benefits-cafe")
    document["program"].update(program_overrides)
    return config_import(document)


def test_a_cafe_tells_what_joining_gives(db):
    shop = cafe(bonuses=[{"event": "signup", "points": 5}, {"event": "birthday", "points": 20}])
    with translation.override("en"):
        lines = program_benefits(shop)
    assert lines == [
        "A welcome gift of 5 points when you join.",
        "1 point for every ₫40,000 you spend. Each is worth ₫1,000 when you pay with them.",
        "Rewards: Free coffee for 10 points and Cake for 500 points.",
        "Coffee card: collect 6 stamps for Free coffee.",
        "Gold: 5% off once you reach ₫500,000.",
        "A birthday gift of 20 points.",
        "Your points never expire.",
    ]


def test_expiry_is_told_the_way_the_program_runs_it(db):
    shop = cafe(expiry={"policy": "inactivity", "days": 180})
    with translation.override("en"):
        assert "Your points stay as long as you visit at least once every 180 days." in program_benefits(shop)


def test_one_day_and_one_month_read_in_the_singular(db):
    monthly = cafe_document("monthly-cafe")
    monthly["program"]["expiry"] = {"policy": "months_after_earn_month", "months": 1}
    with translation.override("en"):
        day = program_benefits(cafe(expiry={"policy": "days_after_earn", "days": 1}))
        month = program_benefits(config_import(monthly))
    assert "Your points last 1 day from the day you earn them." in day
    assert "Your points last 1 month after the month you earn them." in month


def test_the_rewards_are_listed_with_each_languages_separators(db):
    from decimal import Decimal

    from rewards.models import Reward

    shop = cafe()
    Reward.objects.create(shop=shop, code="mug", name="Mug", kind="gift", points=50, value=Decimal("1"))
    with translation.override("en"):
        english = next(line for line in program_benefits(shop) if "Free coffee for" in line)
    assert english == "Rewards: Free coffee for 10 points, Mug for 50 points, and Cake for 500 points."
    with translation.override("fa"):
        persian = next(line for line in program_benefits(shop) if "Mug" in line)
    assert "، " in persian and ", " not in persian


def test_every_sentence_starts_with_a_capital_even_when_it_starts_with_the_unit(db):
    shop = cafe(expiry={"policy": "days_after_earn", "days": 90})
    with translation.override("vi"):
        lines = program_benefits(shop)
    assert all(line[0] == line[0].upper() for line in lines)
