"""The program apps' calendars in a zone with daylight saving (Europe/London: clocks forward at 01:00 GMT on the
last Sunday of March, back at 01:00 GMT on the last Sunday of October), across both changes and at the shop's
midnight: challenge windows, streak weeks and the monthly leaderboard (challenges), a coalition's monthly
settlement period (coalitions), a membership's trial, grace and month (memberships; New York's spring change is
in tests/memberships/test_lifecycle.py) and the insights cohorts' months. Loyalty's own calendar rules are in
tests/loyalty/test_daylight_saving.py.

Each test fails if its calendar were reckoned in UTC or with a fixed offset instead of the shop's zone on that
date: e.g. `datetime(..., tzinfo=UTC)` in challenges.services.goals.local_midnight, `moment.date()` instead of
`moment.astimezone(tz).date()` in goals.week_index, or the period's end built with the start's UTC offset in
coalitions.services.settlement.period_bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from challenges.models import Progress
from challenges.services.leaderboards import leaderboard, leaderboard_opt_in, month_bounds
from coalitions.models import Coalition, CoalitionShop
from coalitions.services.settlement import period_bounds, statement
from loyalty.models import Shop
from loyalty.services.config import config_import
from loyalty.services.purchases import purchase_record
from tests.challenges.conftest import challenge, fun_document
from tests.coalitions.helpers import two_shops
from tests.factories import enrol

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def london_shop(slug: str, challenges: list, **sections):
    made = fun_document(slug, challenges=challenges, **sections)
    made["merchant"]["timezone"] = "Europe/London"
    return config_import(made)


def buy(shop, member, at: datetime):
    return purchase_record(
        shop=shop, external_id=f"R-{at.timestamp():.0f}-{member.pk}", amount=Decimal("50000"), member=member,
        occurred_at=at, now=at,
    ).purchase  # fmt: skip


def progress(member, code: str) -> Decimal:
    return Progress.objects.get(member=member, challenge__code=code).value


def test_a_summer_challenge_window_opens_and_closes_at_the_shops_midnight_across_both_changes(db):
    """The window 30 March – 26 October 2031 (ends 27 October, exclusive): it opens at midnight GMT on the day the
    clocks go forward and closes at midnight GMT the day after they went back. A visit a minute before either
    midnight (by the shop's clock) is outside, one at it is inside; in UTC both ends would be an hour off in the
    other direction for a BST-reckoned zone."""
    window = challenge("summer", "visits", 10, starts="2031-03-30", ends="2031-10-27")
    shop = london_shop("london-summer", [window])
    member = enrol(shop, channel="till", at=datetime(2031, 3, 1, tzinfo=UTC))
    moments = [
        datetime(2031, 3, 29, 23, 59, tzinfo=LONDON),  # the evening before: outside
        datetime(2031, 3, 30, 0, 0, tzinfo=LONDON),  # midnight GMT, an hour before the change: inside
        datetime(2031, 3, 30, 2, 30, tzinfo=LONDON),  # 02:30 BST, just after the change: inside
        datetime(2031, 10, 26, 1, 30, fold=1, tzinfo=LONDON),  # the repeated hour, its second (GMT) pass: inside
        datetime(2031, 10, 26, 23, 59, tzinfo=LONDON),  # the last minute of the last day: inside
        datetime(2031, 10, 27, 0, 0, tzinfo=LONDON),  # the end, exclusive: outside
    ]
    for moment in moments:
        buy(shop, member, moment)
    assert progress(member, "summer") == 4


def test_a_streak_counts_weeks_by_the_shops_monday_midnight_in_summer_time(db):
    """Sunday 30 March 2031 at 23:30 BST is 22:30 UTC and Monday 31 March at 00:30 BST is 23:30 UTC the Sunday:
    by the shop's clock they are two ISO weeks in a row (a streak of 2); reckoned in UTC they would be one week."""
    streak = challenge("weeks", "streak", 4, starts="2031-03-01", ends="2031-05-01")
    shop = london_shop("london-streak", [streak])
    member = enrol(shop, channel="till", at=datetime(2031, 3, 1, tzinfo=UTC))
    buy(shop, member, datetime(2031, 3, 30, 23, 30, tzinfo=LONDON))
    buy(shop, member, datetime(2031, 3, 31, 0, 30, tzinfo=LONDON))
    assert progress(member, "weeks") == 2


def test_the_leaderboards_month_is_the_shops_calendar_month_in_summer_time(db):
    """1 April 2031 at 00:30 BST is 31 March 23:30 UTC: it counts on April's board, not March's."""
    community = {"leaderboard": {"enabled": True, "prizes": []}}
    shop = london_shop("london-board", [], community=community)
    member = enrol(shop, channel="till", name="Alice Smith", at=datetime(2031, 3, 1, tzinfo=UTC))
    leaderboard_opt_in(member=member, opted_in=True)
    buy(shop, member, datetime(2031, 4, 1, 0, 30, tzinfo=LONDON))
    march, april = datetime(2031, 3, 1).date(), datetime(2031, 4, 1).date()
    assert leaderboard(shop, march) == []
    assert [(p.display_name, p.score) for p in leaderboard(shop, april)] == [("Alice S.", 1)]
    start, end = month_bounds(march, LONDON)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=31, hours=-1), "an hour short"


def london_coalition():
    store, brand = two_shops("dst")
    Shop.objects.filter(pk__in=[store.pk, brand.pk]).update(timezone="Europe/London")
    CoalitionShop.objects.update(joined_at=datetime(2026, 1, 1, tzinfo=UTC))  # in the coalition all year
    return Shop.objects.get(pk=store.pk), Coalition.objects.get(code="dst-club")


def test_a_coalitions_monthly_periods_run_from_the_shops_midnight_across_both_changes(db):
    """March 2026 ends at midnight BST on 1 April (23:00 UTC on 31 March), one hour short; October 2026 starts at
    midnight BST (23:00 UTC on 30 September) and ends at midnight GMT, an hour long."""
    _store, coalition = london_coalition()
    march = period_bounds(coalition, "2026-03")
    assert [moment.astimezone(UTC) for moment in march] == [
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 23, 0, tzinfo=UTC),
    ]
    october = period_bounds(coalition, "2026-10")
    assert [moment.astimezone(UTC) for moment in october] == [
        datetime(2026, 9, 30, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
    ]


def test_points_issued_in_the_first_hour_of_april_by_the_shops_clock_settle_in_april(db):
    """A purchase at 00:30 BST on 1 April 2026 (23:30 UTC on 31 March) is April's: March's statement does not
    count it, April's does; one at 23:30 BST on 31 March is March's."""
    store, coalition = london_coalition()
    member = enrol(store, channel="till", at=datetime(2026, 3, 1, tzinfo=UTC))
    buy(store, member, datetime(2026, 3, 31, 23, 30, tzinfo=LONDON))
    buy(store, member, datetime(2026, 4, 1, 0, 30, tzinfo=LONDON))
    issued = {
        p: {r.merchant: r.issued for r in statement(coalition, p).rows}["dst-store"] for p in ("2026-03", "2026-04")
    }
    assert issued["2026-03"] == issued["2026-04"] > 0


def test_a_trial_and_its_grace_end_at_the_same_local_hour_across_the_autumn_change(db):
    """A 7-day trial started at 10:00 BST on Saturday 25 October 2031 (the clocks go back the next night) ends at
    10:00 GMT on 1 November, 7 days and an hour later, and its 3 days of grace at 10:00 GMT on 4 November; the job
    keeps it a trial a minute before its end and moves it to grace at its end. With timedelta(days=7) (168 hours)
    the trial would end at 09:00 by the shop's clock."""
    from memberships.models import Status
    from memberships.services.jobs import memberships_renew
    from memberships.services.lifecycle import membership_trial_start
    from tests.memberships.conftest import customer as plan_customer
    from tests.memberships.conftest import vip_document

    shop = config_import(vip_document("london-box", tz="Europe/London"))
    start = datetime(2031, 10, 25, 10, 0, tzinfo=LONDON)
    trial = membership_trial_start(member=plan_customer(shop, at=start), plan_code="box", at=start)
    assert trial.ends_at.astimezone(LONDON).replace(tzinfo=None) == datetime(2031, 11, 1, 10, 0)
    assert trial.ends_at.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=7, hours=1)
    assert trial.grace_ends_at.astimezone(LONDON).replace(tzinfo=None) == datetime(2031, 11, 4, 10, 0)
    assert trial.status_at(trial.ends_at - timedelta(minutes=1)) == Status.TRIAL
    memberships_renew(as_of=trial.ends_at)
    trial.refresh_from_db()
    assert trial.status == Status.GRACE


def test_a_month_paid_at_the_shops_midnight_on_the_spring_change_runs_to_midnight_a_month_later(db):
    """Paid at 00:00 GMT on Sunday 30 March 2031 (the clocks go forward at 01:00), the month runs to 00:00 BST on
    30 April: active a minute before by the shop's clock, in grace at it — 31 days less an hour."""
    from memberships.models import Status
    from tests.memberships.conftest import customer as plan_customer
    from tests.memberships.conftest import pay, vip_document

    shop = config_import(vip_document("london-month", tz="Europe/London"))
    start = datetime(2031, 3, 30, 0, 0, tzinfo=LONDON)
    membership = pay(shop, plan_customer(shop, at=start), "box", "199000", at=start).membership
    assert membership.ends_at.astimezone(LONDON).replace(tzinfo=None) == datetime(2031, 4, 30, 0, 0)
    assert membership.ends_at.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=31, hours=-1)
    assert membership.status_at(datetime(2031, 4, 29, 23, 59, tzinfo=LONDON)) == Status.ACTIVE
    assert membership.status_at(datetime(2031, 4, 30, 0, 0, tzinfo=LONDON)) == Status.GRACE


def test_insights_cohorts_are_the_months_members_joined_by_the_shops_clock_in_summer_time(db):
    """One member joins at 23:30 BST on 31 March 2031, another at 00:30 BST on 1 April (23:30 UTC on 31 March);
    the first buys at 00:15 BST on 1 April. By the shop's months: March's cohort of one came back in its month 1,
    April's cohort is one. Fails if TruncMonth in insights.cohorts were reckoned in UTC (both in March, the
    purchase in March too)."""
    from insights.cohorts import WHOLE_SHOP, cohort_counts

    shop = london_shop("london-cohorts", [])
    march_member = enrol(shop, channel="till", at=datetime(2031, 3, 31, 23, 30, tzinfo=LONDON))
    enrol(shop, channel="till", at=datetime(2031, 4, 1, 0, 30, tzinfo=LONDON))
    buy(shop, march_member, datetime(2031, 4, 1, 0, 15, tzinfo=LONDON))

    found = cohort_counts(shop, datetime(2031, 5, 1).date(), datetime(2031, 5, 1, tzinfo=LONDON))[WHOLE_SHOP]

    assert [(c.month.isoformat(), c.size, c.active) for c in found] == [
        ("2031-03-01", 1, [0, 1]),
        ("2031-04-01", 1, [0]),
    ]
