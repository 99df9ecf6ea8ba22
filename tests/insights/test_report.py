"""The program report on a small known data set, every figure computed by hand: May 2031 in Ho Chi Minh City
(UTC+7), two locations, a refund, an expiry, a redemption and its voucher used, an erased member, a duplicate
merged away, and purchases on both sides of the month's boundaries (in UTC one is April, in the shop May)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insights.report import period_of, program_report
from insights.snapshots import snapshot_take

from .conftest import buy, enrol, utc

MAY, JUNE, JULY = date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1)
AFTERWARDS = utc(2031, 6, 15, 0, 0)  # the report is read in mid-June


def test_the_whole_shop_in_may(may):
    report = program_report(period_of(may, MAY, JUNE), now=AFTERWARDS)
    assert (report.members_total, report.members_enrolled) == (3, 2)  # Lan, Minh, Hoa; not the duplicate nor Late
    assert (report.members_active, report.active_30, report.active_90) == (3, 3, 3)
    assert (report.purchases, report.member_purchases, report.other_purchases) == (7, 6, 1)
    assert report.member_sales == Decimal("3400000")  # 400k × 3 + 800k + 200k kept of 400k + 1.2M
    assert report.other_sales == Decimal("300000")
    assert report.repeat_rate == Decimal("0.3333")  # Lan alone bought twice or more, of three
    assert report.visits_per_member == Decimal("2.00")
    assert report.member_average == Decimal("566667")  # 3,400,000 / 6, half up to the đồng
    assert report.other_average == Decimal("300000")
    assert report.points_issued == 85  # 10 + 10 + 20 + 10 + 30 + 10, less the 5 reversed
    assert report.points_redeemed == 10
    assert report.points_expired == 10
    assert report.redemption_rate == Decimal("0.1176")  # 10 / 85
    assert report.points_outstanding == 75  # Lan 40, Minh 5, Hoa 30 at midnight on 1 June, not Lan's June 10
    assert report.liability == Decimal("75000")
    assert report.breakage_rate == Decimal("0.5000")  # 10 expired, 10 redeemed in the year before
    assert report.breakage == Decimal("37500")
    assert (report.vouchers_issued, report.vouchers_used, report.rewards_cost) == (1, 1, Decimal("40000"))
    assert [values[0].value for figure, values in report.extras if figure.key == "commissions"] == [Decimal("0")]


def test_one_location_in_may(may):
    report = program_report(period_of(may, MAY, JUNE, may.loc_a), now=AFTERWARDS)
    assert (report.members_total, report.members_enrolled) == (2, 1)  # Lan and Hoa joined there
    assert (report.purchases, report.member_purchases, report.members_active) == (5, 4, 2)
    assert report.member_sales == Decimal("2400000")
    assert report.repeat_rate == Decimal("0.5000")  # Lan (three there), Hoa (one)
    assert report.points_issued == 60  # 10 + 10 + 30 + 10: Minh's refund reversed points earned elsewhere
    assert (report.points_redeemed, report.points_expired) == (0, 10)  # redeemed at no location; the lot was here
    assert (report.vouchers_issued, report.vouchers_used) == (0, 1)
    at_b = program_report(period_of(may, MAY, JUNE, may.loc_b), now=AFTERWARDS)
    assert (at_b.points_issued, at_b.member_sales) == (25, Decimal("1000000"))  # 20 + 10 − 5; 800k + 200k
    assert at_b.points_outstanding == 75  # points belong to the account: the whole shop's


def test_a_period_still_running_reads_the_cached_balances(may):
    report = program_report(period_of(may, JUNE, JULY), now=AFTERWARDS)
    assert report.points_outstanding == 85  # with Lan's 10 of 1 June
    assert (report.active_30, report.active_90) == (1, 3)  # from the accounts: Lan on 1 June; Minh, Hoa in May
    assert (report.purchases, report.members_enrolled, report.members_total) == (1, 1, 4)


def test_cohorts_by_month_of_joining_in_the_shops_calendar(may):
    cohorts = program_report(period_of(may, MAY, JUNE), now=AFTERWARDS).cohorts
    assert [(c.month, c.size, c.active) for c in cohorts] == [(date(2031, 4, 1), 1, [1, 1]), (date(2031, 5, 1), 2, [2])]
    assert cohorts[0].shares == [Decimal("1.00"), Decimal("1.00")]


def test_an_empty_period_is_all_zero(saigon):
    report = program_report(period_of(saigon, MAY, JUNE), now=AFTERWARDS)
    assert (report.members_active, report.repeat_rate, report.member_average, report.liability) == (
        0,
        Decimal("0.0000"),
        Decimal("0"),
        Decimal("0"),
    )
    assert report.cohorts == []


def test_the_report_costs_the_same_queries_for_a_busy_shop(may, saigon):
    period = period_of(may, MAY, JUNE)
    with CaptureQueriesContext(connection) as quiet:
        program_report(period, now=AFTERWARDS)
    for day in range(1, 20):
        member = enrol(saigon, at=utc(2031, 5, day, 3, 0))
        buy(saigon, member, "400000", utc(2031, 5, day, 4, 0), saigon.loc_b)
    with CaptureQueriesContext(connection) as busy:
        program_report(period, now=AFTERWARDS)
    # without roll-ups nor a snapshot: whether there are roll-ups (1), the sums (5), who bought (2), the points
    # outstanding (1), a year of points and the cohorts read now (4), then the partners' commissions (1), the
    # referral funnel (2) and the memberships' revenue and churn (2)
    assert len(quiet) == len(busy) == 18


def test_a_period_must_run_forwards(saigon):
    from loyalty.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        period_of(saigon, JUNE, MAY)
    with pytest.raises(ValidationFailed):
        period_of(saigon, date(2020, 1, 1), JUNE)


def test_last_nights_snapshot_gives_the_same_cohorts_and_breakage_in_fewer_queries(may):
    live = {place: program_report(period_of(may, MAY, JUNE, place), now=AFTERWARDS) for place in (None, may.loc_a)}
    snapshot_take(may, as_of=utc(2031, 5, 31, 16, 0))  # 23:00 on 31 May there
    for place, computed in live.items():
        with CaptureQueriesContext(connection) as captured:
            report = program_report(period_of(may, MAY, JUNE, place), now=AFTERWARDS)
        # 10, and the apps' figures: 5 for the whole shop, 2 at a location (links and memberships have none)
        assert report.as_of == utc(2031, 5, 31, 16, 0) and len(captured) == (15 if place is None else 12)
        assert report.cohorts == computed.cohorts and report.breakage_rate == computed.breakage_rate
    assert [c.size for c in live[may.loc_a].cohorts] == [1, 1]  # Lan in April, Hoa in May joined there


def test_a_period_that_ended_before_the_snapshot_is_computed_from_the_ledger(may):
    snapshot_take(may, as_of=utc(2031, 6, 20, 0, 0))
    report = program_report(period_of(may, MAY, JUNE), now=AFTERWARDS)
    assert report.as_of is None and report.breakage_rate == Decimal("0.5000")
