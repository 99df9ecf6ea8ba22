"""The roll-ups (insights/rollups.py) change no figure: every figure of the report, read with them and without,
on May 2031 of the café (refunds, an expiry, an erased member, a merged duplicate, two locations, purchases on
both sides of the shop's midnight), for closed periods and periods running up to now; late rows (a backdated
purchase, a refund of an old one, a merge) are read live until the job rolls their day up again."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from insights.coverage import coverage
from insights.models import DayFigures, DirtyDay, MemberVisits, RollupState
from insights.report import period_of, program_report
from insights.rollups import rollups_job, seen_now, shop_rollups
from loyalty import hooks
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge
from loyalty.services.purchases import purchase_record

from .conftest import buy, enrol, refund, utc

MAY, JUNE, JULY = date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1)
NOW = utc(2031, 6, 15, 0, 0)  # 07:00 on 15 June in the shop: the days up to 14 June are closed


def periods(shop):
    a, b = shop.loc_a, shop.loc_b
    return [
        (MAY, JUNE, None),
        (MAY, JUNE, a),
        (MAY, JUNE, b),
        (date(2031, 5, 10), date(2031, 5, 26), a),
        (date(2031, 4, 1), JULY, None),  # up to now and past it: who bought is read from the visits
        (date(2031, 5, 20), date(2031, 6, 16), a),
        (date(2031, 5, 20), date(2031, 6, 16), b),
        (JUNE, date(2031, 6, 16), None),
    ]


def live(period, now=NOW):
    """The report as it reads without roll-ups."""
    with transaction.atomic():
        RollupState.objects.filter(shop=period.shop).delete()
        report = program_report(period, now=now)
        transaction.set_rollback(True)
    return report


def assert_same(shop, now=NOW):
    for start, end, place in periods(shop):
        period = period_of(shop, start, end, place)
        assert program_report(period, now=now) == live(period, now), (start, end, place)


def late_buy(shop, member, amount: str, occurred_at, location, now):
    """A purchase recorded at `now` for an earlier moment (a till that was offline)."""
    return purchase_record(
        shop=shop,
        external_id=f"L-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        occurred_at=occurred_at,
        actor=Actor(shop=shop, location=location),
        now=now,
    ).purchase


def roll(shop, now=NOW):
    return shop_rollups(shop, as_of=now, seen=seen_now())


def test_every_figure_is_the_same_with_the_roll_ups(may):
    before = {key: live(period_of(may, *key)) for key in periods(may)}
    assert roll(may) > 0
    assert RollupState.objects.get(shop=may).through == date(2031, 6, 14)
    for key, report in before.items():
        assert program_report(period_of(may, *key), now=NOW) == report, key
    may_report = program_report(period_of(may, MAY, JUNE), now=NOW)
    assert (may_report.purchases, may_report.points_issued, may_report.members_enrolled) == (7, 85, 2)  # by hand


def test_a_closed_period_reads_only_the_roll_ups(may):
    roll(may)
    cover = coverage(may)
    assert cover.live(MAY, JUNE) == [] and cover.live(None, JUNE) == []
    assert cover.live(JUNE, date(2031, 6, 16)) == [(date(2031, 6, 15), date(2031, 6, 16))]  # today, live
    days = set(DayFigures.objects.filter(shop=may).values_list("day", flat=True))
    assert date(2031, 5, 1) in days and date(2031, 4, 30) not in days  # 00:30 on 1 May there: 30 April in UTC
    assert DayFigures.objects.get(shop=may, day=date(2031, 5, 1), location=may.loc_a).purchases == 1


def test_running_the_job_again_changes_nothing(may):
    def rows():
        return sorted((row[1:] for row in DayFigures.objects.filter(shop=may).values_list()), key=repr)

    def visits():
        return sorted(
            MemberVisits.objects.filter(shop=may).values_list("member", "place", "last_at", "previous_at"), key=repr
        )

    roll(may)
    first, first_visits = rows(), visits()
    roll(may)
    roll(may, NOW + timedelta(hours=1))
    assert rows() == first and visits() == first_visits


def test_late_rows_are_read_live_until_the_job_rolls_their_day_again(may):
    roll(may)
    lan = may.members.get(name="Lan")
    hoa_sale = may.purchases.get(amount=1200000)
    at = utc(2031, 6, 15, 1, 0)
    late_buy(may, lan, "400000", utc(2031, 5, 12, 3, 0), may.loc_b, at)  # backdated into a rolled day
    late_buy(may, None, "100000", utc(2031, 5, 3, 3, 0), may.loc_a, at)  # a backdated sale without a member
    refund(may, hoa_sale, "600000", at)  # half of 25 May's sale, refunded in June
    later = utc(2031, 6, 15, 2, 0)
    assert coverage(may).stale == {date(2031, 5, 12), date(2031, 5, 3), date(2031, 5, 25)}
    assert_same(may, later)
    report = program_report(period_of(may, MAY, JUNE), now=later)
    assert (report.purchases, report.member_sales) == (9, Decimal(3400000 + 400000 - 600000))
    roll(may, later)
    assert coverage(may).stale == frozenset()
    assert_same(may, later)


def test_a_merge_is_read_live_until_the_job_runs(may):
    roll(may)
    kim = enrol(may, name="Kim", at=utc(2031, 5, 3, 3, 0), actor=Actor(shop=may, location=may.loc_a))
    roll(may)  # Kim's enrolment is rolled up on 3 May
    late_buy(may, kim, "400000", utc(2031, 5, 4, 3, 0), may.loc_a, utc(2031, 6, 15, 0, 30))
    lan = may.members.get(name="Lan")
    members_merge(keep=lan, duplicate=kim, actor=Actor(shop=may), at=utc(2031, 6, 15, 1, 0))
    assert DirtyDay.objects.filter(shop=may, day=date(2031, 5, 3)).exists()
    assert not MemberVisits.objects.filter(member=kim).exists()
    later = utc(2031, 6, 15, 2, 0)
    assert_same(may, later)
    roll(may, later)
    assert not DirtyDay.objects.filter(shop=may).exists()
    assert_same(may, later)


def test_the_next_day_rolls_up_the_day_before(may):
    roll(may)
    lan = may.members.get(name="Lan")
    buy(may, lan, "400000", utc(2031, 6, 15, 3, 0), may.loc_a)  # today, read live
    tomorrow = utc(2031, 6, 16, 1, 0)
    assert_same(may, tomorrow)
    assert rollups_job(as_of=tomorrow)["shops"] >= 1
    assert RollupState.objects.get(shop=may).through == date(2031, 6, 15)
    assert DayFigures.objects.get(shop=may, day=date(2031, 6, 15), location=may.loc_a).purchases == 1
    assert_same(may, tomorrow)


def test_the_roll_ups_are_a_registered_job():
    assert "insights_rollups" in [job.name for job in hooks.jobs_in_order()]


@pytest.mark.parametrize("place", [None, "loc_a"])
def test_an_empty_shop_rolls_up_to_zeros(saigon, place):
    roll(saigon)
    period = period_of(saigon, MAY, JULY, getattr(saigon, place) if place else None)
    assert program_report(period, now=NOW) == live(period)
