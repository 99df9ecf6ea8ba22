"""The worked examples of shared/spec/examples.md that the points engine owns (1-4, 10, 11), in full, each
shop set up through its configuration document and driven through the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.errors import InsufficientPoints, RefundExceedsPurchase
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import points_summary
from loyalty.services.config import config_import
from loyalty.services.invariants import ledger_violations
from loyalty.services.jobs import run_all
from loyalty.services.ledger import Actor, points_adjust
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from rewards.services import reward_redeem
from tests.factories import enrol

from .documents import document, program, reward

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=VN)  # a Wednesday
_receipts = iter(range(1, 10**6))


def buy(member, amount: str, *, at=None, now=NOW):
    return purchase_record(
        shop=member.shop,
        external_id=f"R-{next(_receipts)}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at or now,
        now=now,
    )


def available(member, at=NOW) -> int:
    member.account.refresh_from_db()
    return points_summary(member.account, at).available


@pytest.fixture
def coffee_stars(db):
    return config_import(
        document(
            "coffee-stars",
            program(
                "40000",
                points_name="stars",
                backdate_days=3000,
                expiry={"policy": "months_after_earn_month", "months": 6},
            ),
            rewards=[reward("free-drink", "free_item", 25, "45000")],
        )
    )


def test_example_01_twelve_bills_earn_24_the_13th_buys_a_drink_leaving_1(coffee_stars):
    member = enrol(coffee_stars)
    for _ in range(12):
        assert buy(member, "100000").purchase.points_earned == 2
    assert available(member) == 24
    with pytest.raises(InsufficientPoints):
        reward_redeem(member=member, reward_code="free-drink", actor=Actor(shop=coffee_stars), at=NOW)
    buy(member, "100000")
    assert available(member) == 26
    voucher = reward_redeem(member=member, reward_code="free-drink", actor=Actor(shop=coffee_stars), at=NOW)
    assert voucher.reward.code == "free-drink" and voucher.status == "issued"
    assert available(member) == 1
    assert ledger_violations() == []


def test_example_01_stars_earned_15_dec_2020_expire_1_jul_2021(coffee_stars):
    member = enrol(coffee_stars, at=datetime(2020, 12, 1, tzinfo=VN))
    earned_at = datetime(2020, 12, 15, 12, tzinfo=VN)
    buy(member, "100000", at=earned_at, now=earned_at)
    lot = LedgerEntry.objects.get(account=member.account, kind=EntryKind.EARN)
    assert lot.expires_at == datetime(2021, 7, 1, tzinfo=VN)
    run_all(as_of=datetime(2021, 6, 30, 23, 59, tzinfo=VN))
    assert not LedgerEntry.objects.filter(account=member.account, kind=EntryKind.EXPIRE).exists()
    run_all(as_of=datetime(2021, 7, 1, tzinfo=VN))
    expired = LedgerEntry.objects.get(account=member.account, kind=EntryKind.EXPIRE)
    assert expired.points == -2 and expired.occurred_at == datetime(2021, 7, 1, tzinfo=VN)
    assert available(member, datetime(2021, 7, 2, tzinfo=VN)) == 0
    run_all(as_of=datetime(2021, 7, 1, tzinfo=VN))  # again: nothing more
    assert LedgerEntry.objects.filter(account=member.account, kind=EntryKind.EXPIRE).count() == 1
    assert ledger_violations() == []


def test_example_02_double_tuesday_earns_5_not_4(db):
    shop = config_import(
        document(
            "double-tuesday",
            program(
                "40000",
                campaigns=[
                    {
                        "code": "double-tue",
                        "name": "Double Tuesday",
                        "multiplier": "2",
                        "weekdays": [2],
                        "starts": "2026-01-01",
                        "ends": "2027-01-01",
                    }
                ],
            ),
        )
    )
    member = enrol(shop)
    tuesday = datetime(2026, 11, 17, 9, tzinfo=VN)
    wednesday = datetime(2026, 11, 18, 9, tzinfo=VN)
    assert buy(member, "100000", at=tuesday).purchase.points_earned == 5
    assert buy(member, "100000", at=wednesday).purchase.points_earned == 2
    # 01:00 on Wednesday in Vietnam is still Tuesday in UTC: the shop's time zone decides.
    assert buy(member, "100000", at=datetime(2026, 11, 18, 1, tzinfo=VN)).purchase.points_earned == 2
    assert available(member) == 9


def test_example_03_partial_refunds_keep_the_floor_of_the_share(db):
    shop = config_import(document("partial-refund", program("40000")))
    member = enrol(shop)
    bill = buy(member, "100000").purchase
    assert bill.points_earned == 2
    first = purchase_refund(shop=shop, purchase_id=bill.pk, amount=Decimal("40000"), external_id="RF-1", now=NOW)
    assert first.points_reversed == 1 and available(member) == 1
    rest = purchase_refund(shop=shop, purchase_id=bill.pk, amount=Decimal("60000"), external_id="RF-2", now=NOW)
    assert rest.points_reversed == 1 and available(member) == 0
    with pytest.raises(RefundExceedsPurchase):
        purchase_refund(shop=shop, purchase_id=bill.pk, amount=Decimal("40000"), external_id="RF-3", now=NOW)
    assert ledger_violations() == []


def test_example_04_car_wash_tenth_visit_issues_the_voucher_and_one_stamp_an_hour(db):
    shop = config_import(
        document(
            "car-wash",
            program(
                "40000",
                stamp_cards=[
                    {
                        "code": "wash-card",
                        "name": "Car wash card",
                        "stamps_required": 10,
                        "per": "visit",
                        "categories": [],
                        "min_spend": "50000",
                        "cooldown_minutes": 60,
                        "reward": "free-wash",
                    }
                ],
            ),
            rewards=[reward("free-wash", "free_item", 0, "50000")],
        )
    )
    member = enrol(shop)
    start = NOW - timedelta(days=12)
    for day in range(9):
        result = buy(member, "50000", at=start + timedelta(days=day))
        assert [(card.code, n) for card, n in result.stamps] == [("wash-card", 1)] and not result.vouchers_issued
    same_hour = buy(member, "50000", at=start + timedelta(days=8, minutes=30))
    assert [n for _, n in same_hour.stamps] == [0]
    too_small = buy(member, "49999", at=start + timedelta(days=9))
    assert [n for _, n in too_small.stamps] == [0]
    tenth = buy(member, "50000", at=start + timedelta(days=10))
    assert [v.reward.code for v in tenth.vouchers_issued] == ["free-wash"]
    progress = member.account.stamp_progress.get()
    assert progress.count == 0


@pytest.fixture
def rolling_tiers(db):
    return config_import(
        document(
            "rolling-tiers",
            program(
                "1000",
                tiers={
                    "basis": "points_earned",
                    "window": "rolling_12_months",
                    "downgrade_grace_days": 0,
                    "levels": [
                        {"code": "member", "name": "Member", "threshold": 0},
                        {"code": "gold", "name": "Gold", "threshold": 300},
                    ],
                },
            ),
        )
    )


def tier_of(member) -> str | None:
    member.account.refresh_from_db()
    return member.account.tier.code if member.account.tier else None


def test_example_10_gold_is_judged_on_points_earned_never_the_balance(rolling_tiers):
    shop = rolling_tiers
    member = enrol(shop)
    assert tier_of(member) == "member"
    bill = buy(member, "320000").purchase
    assert bill.points_earned == 320 and tier_of(member) == "gold"
    points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=-300, reason="spent", at=NOW)
    run_all(as_of=NOW)
    assert available(member) == 20 and tier_of(member) == "gold"
    assert (
        purchase_refund(
            shop=shop, purchase_id=bill.pk, amount=Decimal("40000"), external_id="RF-10", now=NOW
        ).points_reversed
        == 40
    )
    member.account.refresh_from_db()
    assert member.account.lifetime_earned == 280
    assert tier_of(member) == "gold", "down only at the tier review"
    run_all(as_of=NOW)
    assert tier_of(member) == "member"
    assert ledger_violations() == []


def test_example_10_points_older_than_twelve_months_do_not_count(rolling_tiers):
    member = enrol(rolling_tiers, at=NOW - timedelta(days=400))
    buy(member, "320000", at=NOW - timedelta(days=395), now=NOW - timedelta(days=395))
    assert tier_of(member) == "gold"
    run_all(as_of=NOW)
    assert tier_of(member) == "member"


def test_example_11_points_stay_pending_for_the_return_window(db):
    shop = config_import(document("return-window", program("40000", pending_days=14)))
    member = enrol(shop)
    fresh = buy(member, "100000").purchase
    assert fresh.points_earned == 2 and fresh.points_pending == 2
    summary = points_summary(member.account, NOW)
    assert (summary.available, summary.pending) == (0, 2)
    with pytest.raises(InsufficientPoints):
        points_adjust(account_id=member.account_id, actor=Actor(shop=shop), points=-1, reason="try", at=NOW)
    assert buy(member, "100000", at=NOW - timedelta(days=15)).purchase.points_pending == 0
    assert buy(member, "100000", at=NOW - timedelta(days=13)).purchase.points_pending == 2
    member.account.refresh_from_db()
    summary = points_summary(member.account, NOW)
    assert (summary.available, summary.pending) == (2, 4)
    assert (
        purchase_refund(
            shop=shop, purchase_id=fresh.pk, amount=Decimal("100000"), external_id="RF-11", now=NOW
        ).points_reversed
        == 2
    )
    member.account.refresh_from_db()
    summary = points_summary(member.account, NOW)
    assert (summary.available, summary.pending) == (2, 2)
    # A day later the 13-day-old purchase has passed its window: spendable without any job running.
    assert points_summary(member.account, NOW + timedelta(days=1, hours=1)).available == 4
    assert ledger_violations() == []
