"""Custom segments' rules the program apps add (loyalty.hooks.segment_rule): approved referrals made, a
membership now, a challenge completed; combined with the core's rules, checked when saved, one query each."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from challenges.models import Challenge, Progress
from insights.models import Match
from insights.services.rules import segment_members, segment_save
from loyalty.errors import ValidationFailed
from loyalty.services.privacy import member_erase

from .conftest import enrol, utc

LATER = utc(2031, 6, 15, 0, 0)
NUMBERS = count(1)


def names(shop, match, rules, at=LATER) -> set[str]:
    segment = segment_save(shop=shop, name=f"Segment {next(NUMBERS)}", match=match, rules=rules)
    return {member.name for member in segment_members(segment, at=at)}


def test_referrals_approved_at_least_or_at_most(funnel):
    """Lan's referrals of Minh and Hoa were approved (Tuan's bought, Vy's signed up only)."""
    everyone = {"Lan", "Minh", "Hoa", "Tuan", "Vy"}
    assert names(funnel, Match.ALL, [{"field": "referrals", "op": "gte", "value": 2}]) == {"Lan"}
    assert names(funnel, Match.ALL, [{"field": "referrals", "op": "gte", "value": 3}]) == set()
    assert names(funnel, Match.ALL, [{"field": "referrals", "op": "lte", "value": 0}]) == everyone - {"Lan"}
    assert names(funnel, Match.ALL, [{"field": "referrals", "op": "gte", "value": 0}]) == everyone
    member_erase(member=funnel.friends["Vy"], at=LATER)
    assert names(funnel, Match.ALL, [{"field": "referrals", "op": "lte", "value": 1}]) == {"Minh", "Hoa", "Tuan"}


def test_a_membership_now(clubs):
    """On 21 May: A lapsed on 13 May, C was cancelled on 20 May, D starts on 25 May, E in June; B has the box."""
    may_21 = utc(2031, 5, 21, 3, 0)
    assert names(clubs, Match.ALL, [{"field": "membership", "op": "eq", "value": True}], may_21) == {"B"}
    assert names(clubs, Match.ALL, [{"field": "membership", "op": "in", "value": ["box"]}], may_21) == {"B"}
    assert names(clubs, Match.ALL, [{"field": "membership", "op": "in", "value": ["88vip"]}], may_21) == set()
    assert names(clubs, Match.ALL, [{"field": "membership", "op": "eq", "value": False}], may_21) == set("ACDE")
    june_5 = utc(2031, 6, 5, 3, 0)  # B renewed to 18 June, D until its cancellation on 9 June, E from 2 June
    assert names(clubs, Match.ALL, [{"field": "membership", "op": "eq", "value": True}], june_5) == set("BDE")


@pytest.fixture
def walkers(saigon):
    walk = Challenge.objects.create(
        shop=saigon, code="walk", name="Walk", goal_kind="visits", target=3, starts=date(2031, 3, 1),
        ends=date(2031, 4, 1),
    )  # fmt: skip
    Challenge.objects.create(
        shop=saigon, code="taste", name="Taste", goal_kind="visits", target=5, starts=date(2031, 3, 1),
        ends=date(2031, 4, 1),
    )  # fmt: skip
    people = {name: enrol(saigon, name=name, at=utc(2031, 2, 1, 3, 0)) for name in ("Lan", "Minh", "Hoa")}
    Progress.objects.create(challenge=walk, member=people["Lan"], value=3, completed_at=utc(2031, 3, 20, 3, 0))
    Progress.objects.create(challenge=walk, member=people["Minh"], value=2)  # under way, not completed
    return saigon


def test_a_challenge_completed(walkers):
    assert names(walkers, Match.ALL, [{"field": "challenge_completed", "op": "in", "value": ["walk"]}]) == {"Lan"}
    assert names(walkers, Match.ALL, [{"field": "challenge_completed", "op": "in", "value": ["taste"]}]) == set()
    before = utc(2031, 3, 10, 3, 0)
    assert names(walkers, Match.ALL, [{"field": "challenge_completed", "op": "in", "value": ["walk"]}], before) == set()


def test_app_rules_combine_with_the_cores_in_one_query(walkers):
    rules = [
        {"field": "challenge_completed", "op": "in", "value": ["walk"]},
        {"field": "referrals", "op": "lte", "value": 0},
        {"field": "membership", "op": "eq", "value": False},
        {"field": "consent", "op": "eq", "value": False},
    ]
    segment = segment_save(shop=walkers, name="Mixed", match=Match.ALL, rules=rules)
    with CaptureQueriesContext(connection) as captured:
        found = {member.name for member in segment_members(segment, at=LATER)}
    assert found == {"Lan"} and len(captured) == 1
    anyone = segment_save(
        shop=walkers, name="Either", match=Match.ANY,
        rules=[rules[0], {"field": "birthday_month", "op": "in", "value": [12]}],
    )  # fmt: skip
    assert {member.name for member in segment_members(anyone, at=LATER)} == {"Lan"}


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ({"field": "referrals", "op": "in", "value": [1]}, "rules[0].op"),
        ({"field": "referrals", "op": "gte", "value": -1}, "rules[0].value"),
        ({"field": "referrals", "op": "gte", "value": True}, "rules[0].value"),
        ({"field": "membership", "op": "in", "value": ["gold-club"]}, "rules[0].value"),
        ({"field": "membership", "op": "eq", "value": "yes"}, "rules[0].value"),
        ({"field": "challenge_completed", "op": "in", "value": ["run"]}, "rules[0].value"),
        ({"field": "challenge_completed", "op": "in", "value": []}, "rules[0].value"),
    ],
)
def test_a_wrong_app_rule_is_named(walkers, rule, path):
    with pytest.raises(ValidationFailed) as refused:
        segment_save(shop=walkers, name="Wrong", match=Match.ALL, rules=[rule])
    assert path in refused.value.fields
