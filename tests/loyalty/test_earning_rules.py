"""Earning rules evaluated from configuration rows: rounding, minimum spend, excluded categories, category
and campaign multipliers (windows, weekdays, hours, categories, tiers, locations, payment methods), tiers."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.hooks import Benefit
from loyalty.models import Campaign, CategoryMultiplier, TierLevel
from loyalty.services.purchases import purchase_quote
from loyalty.services.rules import Context, Line, ProgramRules, explain_points

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TUESDAY_6PM = datetime(2026, 11, 17, 18, 0, tzinfo=VN)


def points(program, amount, lines=(), **ctx):
    ctx.setdefault("occurred_at", TUESDAY_6PM)
    ctx.setdefault("tz", VN)
    return explain_points(ProgramRules.load(program), amount=Decimal(amount), lines=list(lines), ctx=Context(**ctx))


@pytest.mark.parametrize(("rounding", "expected"), [("down", 2), ("nearest", 3), ("up", 3)])
def test_rounding_applies_once_on_the_total(program, rounding, expected):
    program.rounding = rounding
    assert points(program, "100000").points == expected  # 2.5 points


def test_nearest_rounds_half_up_and_down_below_half(program):
    program.rounding = "nearest"
    assert points(program, "90000").points == 2  # 2.25


def test_below_minimum_spend_earns_nothing(program):
    program.min_spend = Decimal("50000")
    assert points(program, "49999").points == 0
    assert points(program, "80000").points == 2


def test_excluded_categories_earn_nothing_and_lines_add_up_before_rounding(program):
    program.exclude_categories = ["gift-card"]
    lines = [
        Line(amount=Decimal("60000"), category="coffee"),
        Line(amount=Decimal("500000"), category="gift-card"),
        Line(amount=Decimal("20000"), category="food"),
    ]
    result = points(program, "580000", lines)
    assert result.points == 2  # (60,000 + 20,000) / 40,000
    assert any("gift-card" in step for step in result.steps)


def test_category_multiplier_scales_its_lines_only(program):
    CategoryMultiplier.objects.create(program=program, category="beans", multiplier=Decimal("3"))
    lines = [Line(amount=Decimal("40000"), category="beans"), Line(amount=Decimal("40000"), category="coffee")]
    assert points(program, "80000", lines).points == 4


def make_campaign(program, **fields):
    fields.setdefault("code", f"c{Campaign.objects.count()}")
    fields.setdefault("name", "Campaign")
    fields.setdefault("multiplier", Decimal("2"))
    return Campaign.objects.create(program=program, **fields)


def test_campaigns_that_apply_multiply_together(program):
    make_campaign(program, weekdays=[2])
    make_campaign(program, multiplier=Decimal("1.5"), hours=["17:00", "19:00"])
    assert points(program, "100000").points == 7  # 2.5 × 2 × 1.5 = 7.5


@pytest.mark.parametrize(
    ("fields", "applies"),
    [
        ({"starts": date(2026, 11, 17)}, True),
        ({"starts": date(2026, 11, 18)}, False),
        ({"ends": date(2026, 11, 17)}, False),  # ends is exclusive
        ({"ends": date(2026, 11, 18)}, True),
        ({"weekdays": [3]}, False),
        ({"hours": ["18:00", "19:00"]}, True),
        ({"hours": ["17:00", "18:00"]}, False),  # the end hour is exclusive
        ({"payment_methods": ["ewallet"]}, True),
        ({"payment_methods": ["cash"]}, False),
        ({"locations": ["q1"]}, True),
        ({"locations": ["q3"]}, False),
    ],
)
def test_campaign_conditions_are_judged_at_occurred_at_in_the_shops_time_zone(program, fields, applies):
    make_campaign(program, **fields)
    result = points(program, "100000", payment_method="ewallet", location_code="q1")
    assert result.points == (5 if applies else 2)


def test_campaign_restricted_to_a_category_multiplies_those_lines(program):
    make_campaign(program, categories=["tea"])
    lines = [Line(amount=Decimal("40000"), category="tea"), Line(amount=Decimal("40000"), category="coffee")]
    assert points(program, "80000", lines).points == 3


def test_campaign_restricted_to_a_tier_and_the_tier_multiplier(program):
    gold = TierLevel.objects.create(
        program=program, code="gold", name="Gold", threshold=300, multiplier=Decimal("1.25")
    )
    make_campaign(program, tiers=["gold"])
    assert points(program, "100000").points == 2
    assert points(program, "100000", tier=gold).points == 6  # 2.5 × 2 × 1.25 = 6.25


def test_a_benefit_multiplier_scales_the_total_and_is_explained(program):
    earned = points(program, "100000", benefits=(Benefit(label="VIP club", points_multiplier=Decimal("2")),))
    assert earned.points == 5
    assert "× 2 for VIP club" in earned.steps


def test_a_stamps_only_program_earns_no_points(program):
    program.earn_points = 0
    assert points(program, "100000").points == 0


def test_the_explanation_reads_line_by_line(program):
    make_campaign(program, name="Double Tuesday", weekdays=[2])
    steps = points(program, "100000").steps
    assert steps[0].startswith("purchase: 100000 × 1/40000 = 2.5, × 2 Double Tuesday")
    assert steps[-1] == "Total 5, rounded down: 5 points"


def test_the_quote_and_the_purchase_compute_the_same_points(shop):
    from loyalty.services.purchases import purchase_record
    from tests.factories import enrol

    make_campaign(shop.program, weekdays=[2])
    member = enrol(shop)
    quoted = purchase_quote(shop=shop, member=member, amount=Decimal("100000"), lines=[], occurred_at=TUESDAY_6PM)
    recorded = purchase_record(
        shop=shop, external_id="Q-1", amount=Decimal("100000"), member=member, occurred_at=TUESDAY_6PM, now=TUESDAY_6PM
    )
    assert quoted.points == recorded.purchase.points_earned == 5
    assert quoted.steps == recorded.explanation.steps
