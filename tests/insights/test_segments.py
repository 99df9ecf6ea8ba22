"""The segments job's RFM scores on a constructed shop with a known answer, the day's counts and their trend,
custom segments' rules with and/or, and the member's segment on the portal's member page and at the counter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.models import Match, RfmScore, Segment, SegmentCount
from insights.services.rules import rules_check, segment_members, segment_save
from insights.services.segments import segments_job, shop_segments
from loyalty.errors import ValidationFailed
from loyalty.services.privacy import member_erase
from tests.factories import StaffFactory

from .conftest import buy, enrol, utc

AS_OF = utc(2031, 6, 1, 20, 0)  # 2 June, 03:00 in Ho Chi Minh City


def history(shop, member, *, visits: int, last_days_ago: int, location=None):
    """`visits` purchases of 100,000 ₫, a week apart, the last `last_days_ago` days before AS_OF."""
    last = AS_OF - timedelta(days=last_days_ago)
    for index in range(visits):
        buy(shop, member, "100000", last - timedelta(days=7 * (visits - 1 - index)), location)


@pytest.fixture
def regulars(saigon):
    shop = saigon
    people = {name: enrol(shop, name=name, at=utc(2029, 1, 1, 3, 0)) for name in "ABCDEFG"}
    people["B"].birthday = date(1990, 3, 14)
    people["B"].save(update_fields=["birthday"])
    history(shop, people["A"], visits=10, last_days_ago=1)
    history(shop, people["B"], visits=1, last_days_ago=2, location=shop.loc_b)
    history(shop, people["C"], visits=8, last_days_ago=200)
    history(shop, people["D"], visits=2, last_days_ago=100)
    history(shop, people["E"], visits=5, last_days_ago=30)
    history(shop, people["F"], visits=1, last_days_ago=400)  # nothing in the last year: not scored
    history(shop, people["G"], visits=3, last_days_ago=3)
    member_erase(member=people["G"])  # erased: never scored, never in a segment
    return people


def segment_of(member) -> str:
    return RfmScore.objects.get(member=member).segment


def test_the_scores_name_the_usual_segments(saigon, regulars):
    assert shop_segments(saigon, as_of=AS_OF) == 5
    named = {name: segment_of(regulars[name]) for name in "ABCDE"}
    assert named == {
        "A": "champions",  # R5 F5 M5
        "B": "promising",  # R4 F1 M1
        "C": "at_risk",  # R1 F4 M4
        "D": "hibernating",  # R2 F2 M2
        "E": "need_attention",  # R3 F3 M3
    }
    a = RfmScore.objects.get(member=regulars["A"])
    assert (a.recency, a.frequency, a.monetary, a.visits, int(a.spend)) == (5, 5, 5, 10, 1000000)
    assert not RfmScore.objects.filter(member__in=[regulars["F"], regulars["G"]]).exists()


def test_ties_score_the_same(saigon):
    twins = [enrol(saigon, at=utc(2029, 1, 1, 3, 0)) for _ in range(2)]
    for member in twins:
        history(saigon, member, visits=2, last_days_ago=5)
    shop_segments(saigon, as_of=AS_OF)
    scores = {(s.recency, s.frequency, s.monetary) for s in RfmScore.objects.filter(shop=saigon)}
    assert scores == {(5, 5, 5)}


def test_the_job_runs_once_a_day_and_keeps_the_counts(saigon, regulars):
    assert segments_job(as_of=AS_OF) == {"shops": 1, "members_scored": 5}
    assert segments_job(as_of=AS_OF + timedelta(hours=2)) == {"shops": 0, "members_scored": 0}
    day = date(2031, 6, 2)  # the shop's day, not UTC's 1 June
    counts = dict(SegmentCount.objects.filter(shop=saigon, day=day).values_list("key", "members"))
    assert counts["champions"] == 1 and counts["loyal"] == 0 and sum(counts.values()) == 5
    segments_job(as_of=AS_OF + timedelta(days=1))
    assert SegmentCount.objects.filter(shop=saigon, key="champions").count() == 2


def members_of(segment):
    return {member.name for member in segment_members(segment, at=AS_OF)}


def test_custom_segments_combine_rules_with_and_or(saigon, regulars):
    shop_segments(saigon, as_of=AS_OF)
    recent_regulars = segment_save(
        shop=saigon,
        name="Recent regulars",
        match=Match.ALL,
        rules=[{"field": "visits", "op": "gte", "value": 5}, {"field": "last_visit_days", "op": "lte", "value": 60}],
    )
    assert members_of(recent_regulars) == {"A", "E"}
    big = segment_save(shop=saigon, name="Big", match="all", rules=[{"field": "spend", "op": "gte", "value": "800000"}])
    assert members_of(big) == {"A", "C"}
    lapsed_or_march = segment_save(
        shop=saigon,
        name="Lapsed or March",
        match=Match.ANY,
        rules=[
            {"field": "last_visit_days", "op": "gte", "value": 150},
            {"field": "birthday_month", "op": "in", "value": [3]},
        ],
    )
    assert members_of(lapsed_or_march) == {"B", "C", "F"}
    there = segment_save(
        shop=saigon, name="There", match="all", rules=[{"field": "location", "op": "in", "value": ["thao-dien"]}]
    )
    assert members_of(there) == {"B"}
    champions = segment_save(
        shop=saigon, name="Top", match="all", rules=[{"field": "rfm", "op": "in", "value": ["champions"]}]
    )
    assert members_of(champions) == {"A"}
    quiet = segment_save(
        shop=saigon, name="Quiet", match="all", rules=[{"field": "consent", "op": "eq", "value": False}]
    )
    assert members_of(quiet) == set("ABCDEF")  # the erased member is nobody's


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ([], "rules"),
        ([{"field": "height", "op": "gte", "value": 1}], "rules[0].field"),
        ([{"field": "visits", "op": "in", "value": [1]}], "rules[0].op"),
        ([{"field": "visits", "op": "gte", "value": -1}], "rules[0].value"),
        (
            [{"field": "visits", "op": "gte", "value": 1}, {"field": "tier", "op": "in", "value": ["gold"]}],
            "rules[1].value",
        ),
        ([{"field": "spend", "op": "gte", "value": "lots"}], "rules[0].value"),
        ([{"field": "birthday_month", "op": "in", "value": [13]}], "rules[0].value"),
        ([{"field": "consent", "op": "eq", "value": "yes"}], "rules[0].value"),
    ],
)
def test_a_wrong_rule_is_named(saigon, rules, path):
    with pytest.raises(ValidationFailed) as error:
        rules_check(saigon, rules)
    assert path in error.value.fields


def test_names_are_unique_per_shop(saigon, other_shop):
    rules = [{"field": "visits", "op": "gte", "value": 1}]
    segment_save(shop=saigon, name="Regulars", match="all", rules=rules)
    with pytest.raises(ValidationFailed):
        segment_save(shop=saigon, name="Regulars", match="all", rules=rules)
    segment_save(shop=other_shop, name="Regulars", match="all", rules=rules)
    assert Segment.objects.filter(name="Regulars").count() == 2


def test_the_member_page_and_the_counter_say_the_segment(saigon, client):
    now = timezone.now()
    lan = enrol(saigon, name="Lan", at=now - timedelta(days=400))
    for days in (300, 200, 62):
        buy(saigon, lan, "100000", now - timedelta(days=days))
    shop_segments(saigon, as_of=now)
    client.force_login(StaffFactory(shop=saigon, role="cashier").user)
    page = client.get(reverse("portal:member", args=[lan.pk])).content.decode()
    segment = RfmScore.objects.get(member=lan).get_segment_display()
    assert f"<strong>{segment}</strong>: last visit 62 days ago" in page
    client.post(reverse("counter:location"), {"location": saigon.loc_a.pk})
    counter = client.get(reverse("counter:member", args=[lan.pk])).content.decode()
    assert f"<strong>{segment}</strong>: last visit 62 days ago" in counter


def test_a_shop_never_scored_shows_no_segment(saigon, client):
    member = enrol(saigon)
    client.force_login(StaffFactory(shop=saigon, role="cashier").user)
    assert "member-segment" not in client.get(reverse("portal:member", args=[member.pk])).content.decode()
