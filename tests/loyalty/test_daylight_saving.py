"""Calendar rules in a zone with daylight saving (America/New_York), across both changes and at the shop's
midnight: month-end expiry, days after earning, campaign hours and weekdays, birthdays. Each would be an hour off
if a rule were judged in UTC or by adding hours instead of days on the shop's clock."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.formats import last_usable_day
from loyalty.models import Bonus, Campaign, LedgerEntry
from loyalty.models.programs import ExpiryPolicy
from loyalty.services.jobs import birthday_bonuses
from loyalty.services.purchases import purchase_record
from loyalty.services.rules import Context, Line, ProgramRules, explain_points, lot_expiry
from tests.factories import ProgramFactory, enrol

NY = ZoneInfo("America/New_York")
SPRING = date(2027, 3, 14)  # clocks go from 02:00 to 03:00
AUTUMN = date(2026, 11, 1)  # clocks go from 02:00 back to 01:00


@pytest.fixture
def program(db):
    made = ProgramFactory(
        shop__country="US", shop__currency="USD", shop__timezone="America/New_York", earn_per_amount=Decimal("1")
    )
    return made


def test_points_earned_in_a_month_expire_at_the_shops_midnight_whatever_the_offset(program):
    program.expiry_policy, program.expiry_months = ExpiryPolicy.MONTHS_AFTER_EARN_MONTH, 4
    earned = datetime(2026, 10, 31, 23, 30, tzinfo=NY)  # daylight time; the expiry falls in standard time
    expires = lot_expiry(program, earned, NY)
    assert expires == datetime(2027, 3, 1, tzinfo=NY) and expires.utcoffset() == timedelta(hours=-5)
    assert last_usable_day(expires, NY) == date(2027, 2, 28)
    program.expiry_months = 0
    spring = lot_expiry(program, datetime(2027, 3, 13, 12, tzinfo=NY), NY)
    assert spring == datetime(2027, 4, 1, tzinfo=NY) and spring.utcoffset() == timedelta(hours=-4)


def test_days_after_earning_are_days_on_the_shops_clock_across_a_change(program):
    program.expiry_policy, program.expiry_days = ExpiryPolicy.DAYS_AFTER_EARN, 30
    earned_utc = datetime(2026, 10, 20, 16, tzinfo=ZoneInfo("UTC"))  # 12:00 daylight time in New York
    expires = lot_expiry(program, earned_utc, NY)
    assert expires.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 19, 12)  # 12:00 again, standard time
    assert expires - earned_utc == timedelta(days=30, hours=1)


def _points_at(program, local: datetime) -> int:
    ctx = Context(occurred_at=local, tz=NY)
    return explain_points(
        ProgramRules.load(program), amount=Decimal("10"), lines=[Line(amount=Decimal("10"))], ctx=ctx
    ).points


def test_campaign_hours_are_read_on_the_shops_clock_on_both_change_days(program):
    Campaign.objects.create(program=program, code="evening", name="Evening", multiplier=2, hours=["17:00", "19:00"])
    spring_evening = datetime(2027, 3, 14, 18, 30, tzinfo=NY)
    assert _points_at(program, spring_evening) == 20
    assert _points_at(program, datetime(2027, 3, 14, 16, 59, tzinfo=NY)) == 10
    Campaign.objects.create(program=program, code="night", name="Night", multiplier=3, hours=["01:00", "02:00"])
    first_one_thirty = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=0)  # daylight time
    second_one_thirty = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1)  # an hour later, standard time
    assert second_one_thirty.astimezone(ZoneInfo("UTC")) - first_one_thirty.astimezone(ZoneInfo("UTC")) == timedelta(
        hours=1
    )
    assert _points_at(program, first_one_thirty) == _points_at(program, second_one_thirty) == 30


def test_a_weekday_campaign_starts_at_the_shops_midnight(program):
    Campaign.objects.create(program=program, code="tue", name="Tuesday", multiplier=2, weekdays=[2])
    tuesday_midnight = datetime(2026, 11, 3, 0, 0, 30, tzinfo=NY)  # still Monday in UTC? no: 05:00 UTC Tuesday
    monday_late = datetime(2026, 11, 2, 23, 59, tzinfo=NY)  # Tuesday 04:59 in UTC
    assert _points_at(program, tuesday_midnight) == 20
    assert _points_at(program, monday_late) == 10


def test_the_birthday_bonus_comes_on_the_birthday_in_the_shop_on_the_day_clocks_change(program):
    Bonus.objects.create(program=program, event="birthday", points=7)
    member = enrol(program.shop, birthday=date(1990, 3, 14), at=datetime(2027, 1, 5, tzinfo=NY))
    assert birthday_bonuses(as_of=datetime(2027, 3, 13, 23, 59, tzinfo=NY)) == 0
    assert birthday_bonuses(as_of=datetime(2027, 3, 14, 0, 30, tzinfo=NY)) == 1  # 05:30 UTC, before the change
    assert birthday_bonuses(as_of=datetime(2027, 3, 14, 23, 0, tzinfo=NY)) == 0  # once a year
    assert LedgerEntry.objects.filter(account_id=member.account_id, kind="bonus").count() == 1


def test_a_purchase_at_local_midnight_after_the_change_belongs_to_that_day(program):
    program.expiry_policy, program.expiry_months = ExpiryPolicy.MONTHS_AFTER_EARN_MONTH, 0
    program.backdate_days = 3650
    program.save()
    member = enrol(program.shop, at=datetime(2026, 10, 1, tzinfo=NY))
    first_of_november = datetime(2026, 11, 1, 0, 0, 1, tzinfo=NY)  # 04:00 UTC: still 31 October in UTC−0? no
    bought = purchase_record(
        shop=program.shop,
        external_id="NY-1",
        amount=Decimal("10"),
        member=member,
        occurred_at=first_of_november,
        now=first_of_november + timedelta(minutes=1),
    )
    lot = LedgerEntry.objects.get(purchase=bought.purchase, kind="earn")
    assert lot.expires_at == datetime(2026, 12, 1, tzinfo=NY)  # earned in November, by the shop's calendar
