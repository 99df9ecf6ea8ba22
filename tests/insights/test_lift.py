"""The lift of a campaign on a constructed data set with a known answer: three targeted members who came back
2, 1 and 3 times in the week after, three held back who came 0, 1 and 0 times. Means 2 and 1/3; variances 1 and
1/3; the standard error of the difference √(1/3 + 1/9) = 2/3; so the lift is 5/3 ± 1.959964 × 2/3."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights.lift import Sample, campaign_lift, difference
from insights.models import CampaignMember, Group
from insights.services.campaigns import campaign_save, campaign_send
from insights.services.rules import segment_save

from .conftest import buy, enrol, utc

T = utc(2031, 5, 15, 3, 0)


@pytest.fixture
def measured(saigon):
    for _ in range(6):
        enrol(saigon, at=T - timedelta(days=60))
    segment = segment_save(shop=saigon, name="All", match="all", rules=[{"field": "visits", "op": "gte", "value": 0}])
    campaign = campaign_save(
        shop=saigon, name="Back", segment=segment, texts={"en": {"subject": "Hi", "body": "Come"}},
        holdout_percent=50, send_at=T, now=T,
    )  # fmt: skip
    campaign_send(campaign.pk, at=T)
    campaign.refresh_from_db()
    rows = CampaignMember.objects.filter(campaign=campaign).select_related("member").order_by("pk")
    targeted = [row.member for row in rows if row.group == Group.TARGET]
    held = [row.member for row in rows if row.group == Group.HOLDOUT]
    for member, visits in zip(targeted, (2, 1, 3), strict=True):
        for hour in range(visits):
            buy(saigon, member, "100000", T + timedelta(days=1, hours=hour))
    buy(saigon, held[1], "100000", T + timedelta(days=2))
    buy(saigon, held[0], "100000", T - timedelta(days=1))  # before the campaign: not counted
    buy(saigon, held[2], "100000", T + timedelta(days=10))  # after the first week: only in the 30 days
    return campaign


def test_the_weeks_lift_and_its_interval(measured):
    lift = campaign_lift(measured, 7, now=T + timedelta(days=40))
    assert (lift.targeted, lift.holdout, lift.complete) == (3, 3, True)
    visits = lift.visits
    assert visits.targeted == pytest.approx(2) and visits.holdout == pytest.approx(1 / 3)
    assert visits.lift == pytest.approx(5 / 3)
    assert visits.low == pytest.approx(5 / 3 - 1.959964 * 2 / 3)
    assert visits.high == pytest.approx(5 / 3 + 1.959964 * 2 / 3)
    assert visits.significant  # the interval (0.36, 2.97) leaves out zero
    assert lift.spend.lift == pytest.approx(5 / 3 * 100000)


def test_thirty_days_count_the_later_visit(measured):
    lift = campaign_lift(measured, 30, now=T + timedelta(days=40))
    assert lift.visits.holdout == pytest.approx(2 / 3)
    assert lift.visits.lift == pytest.approx(2 - 2 / 3)


def test_a_window_not_over_yet_says_so(measured):
    assert not campaign_lift(measured, 30, now=T + timedelta(days=3)).complete


def test_one_query_per_window(measured):
    with CaptureQueriesContext(connection) as captured:
        campaign_lift(measured, 7, now=T + timedelta(days=40))
    assert len(captured) == 1


def test_no_interval_without_two_members_in_each_group():
    result = difference(Sample(1, 3.0, 9.0), Sample(5, 5.0, 7.0))
    assert result.low is None and result.lift == pytest.approx(2.0) and not result.significant
