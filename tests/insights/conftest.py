"""A small known shop for the report (hand-computed figures in test_report.py), and helpers to buy and refund."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.models import Shop
from loyalty.services.config import config_import
from loyalty.services.expiry import points_expire
from loyalty.services.ledger import Actor
from loyalty.services.members import members_merge
from loyalty.services.privacy import member_erase
from loyalty.services.purchases import purchase_record
from loyalty.services.refunds import purchase_refund
from memberships.models import Membership
from memberships.services.lifecycle import membership_cancel, membership_purchase
from referrals.models import LinkVisit, Referral, Status
from rewards.services import reward_redeem, reward_save
from tests.factories import LocationFactory, ProgramFactory, enrol
from tests.memberships.conftest import vip_document


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def buy(shop, member, amount: str, at: datetime, location=None, **kw):
    return purchase_record(
        shop=shop,
        external_id=f"R-{uuid.uuid4().hex[:10]}",
        amount=Decimal(amount),
        member=member,
        occurred_at=at,
        actor=Actor(shop=shop, location=location),
        now=at,
        **kw,
    ).purchase


def refund(shop, purchase, amount: str, at: datetime):
    return purchase_refund(
        shop=shop, purchase_id=purchase.pk, amount=Decimal(amount), external_id=f"RF-{uuid.uuid4().hex[:10]}", now=at
    )


@pytest.fixture
def saigon(db):
    """A café in Ho Chi Minh City (UTC+7), VND, 1 point per 40,000 ₫, a point worth 1,000 ₫, points expiring
    30 days after they are earned, two locations and a free coffee for 10 points (worth 40,000 ₫)."""
    program = ProgramFactory(expiry_policy="days_after_earn", expiry_days=30)
    shop = Shop.objects.select_related("program").get(pk=program.shop_id)
    shop.loc_a = LocationFactory(shop=shop, code="dong-khoi", name="Đồng Khởi")
    shop.loc_b = LocationFactory(shop=shop, code="thao-dien", name="Thảo Điền")
    reward_save(
        shop=shop,
        code="coffee",
        name="Free coffee",
        kind="free_item",
        points=10,
        value=Decimal("40000"),
        voucher_valid_days=30,
    )
    return shop


@pytest.fixture
def moment():
    return lambda days=0: utc(2031, 5, 15, 5, 0) + timedelta(days=days)


@pytest.fixture
def may(saigon):
    """May 2031 of the café, as test_report.py computes its figures by hand."""
    shop, a, b = saigon, saigon.loc_a, saigon.loc_b
    lan = enrol(shop, name="Lan", at=utc(2031, 4, 1, 3, 0), actor=Actor(shop=shop, location=a))
    minh = enrol(shop, name="Minh", at=utc(2031, 5, 5, 3, 0), actor=Actor(shop=shop, location=b))
    hoa = enrol(shop, name="Hoa", at=utc(2031, 5, 20, 3, 0), actor=Actor(shop=shop, location=a))
    twice = enrol(shop, name="Minh again", at=utc(2031, 5, 6, 3, 0), actor=Actor(shop=shop, location=b))
    members_merge(keep=minh, duplicate=twice, actor=Actor(shop=shop), at=utc(2031, 5, 7, 3, 0))
    enrol(shop, name="Late", at=utc(2031, 5, 31, 17, 30), actor=Actor(shop=shop, location=a))  # 1 June, 00:30 there

    buy(shop, lan, "400000", utc(2031, 4, 5, 3, 0), a)  # 10, expire on 5 May
    points_expire(as_of=utc(2031, 5, 8, 0, 0))
    buy(shop, lan, "400000", utc(2031, 4, 30, 17, 30), a)  # 10; 1 May, 00:30 in the shop
    buy(shop, lan, "400000", utc(2031, 5, 2, 3, 0), a)  # 10
    buy(shop, lan, "800000", utc(2031, 5, 10, 3, 0), b)  # 20
    kept_half = buy(shop, minh, "400000", utc(2031, 5, 12, 3, 0), b)  # 10
    refund(shop, kept_half, "200000", utc(2031, 5, 13, 3, 0))  # 5 reversed
    buy(shop, hoa, "1200000", utc(2031, 5, 25, 3, 0), a)  # 30
    buy(shop, None, "300000", utc(2031, 5, 15, 3, 0), a)  # not a member
    voucher = reward_redeem(member=lan, reward_code="coffee", actor=Actor(shop=shop), at=utc(2031, 5, 20, 3, 0))
    buy(shop, lan, "400000", utc(2031, 5, 21, 3, 0), a, voucher_codes=[voucher.code])  # 10
    buy(shop, lan, "400000", utc(2031, 5, 31, 17, 30), a)  # 10; 1 June, 00:30 in the shop
    member_erase(member=hoa, at=utc(2031, 6, 2, 3, 0))
    return shop


def daytime():
    """The latest 10:00 on the café's clock that has passed: campaigns with a message never go in quiet hours."""
    from django.utils import timezone

    now = timezone.now()
    local = timezone.localtime(now, ZoneInfo("Asia/Ho_Chi_Minh")).replace(hour=10, minute=0, second=0, microsecond=0)
    return local if local <= now else local - timedelta(days=1)


# ---------------------------------------------------------------- the program apps' data (test_app_*.py)


def opened(shop, referrer, at):
    visit = LinkVisit.objects.create(shop=shop, referrer=referrer)
    LinkVisit.objects.filter(pk=visit.pk).update(at=at)


def referred(shop, referrer, friend, created, purchased=None, approved=None, status=Status.SIGNED_UP):
    return Referral.objects.create(
        shop=shop, referrer=referrer, referee=friend, status=status, created_at=created,
        purchased_at=purchased, approved_at=approved,
    )  # fmt: skip


@pytest.fixture
def funnel(saigon):
    """Lan's link, opened three times in May (one at 23:30 on 30 April UTC, 06:30 on 1 May there) and once on
    1 June there; four friends: Minh joined in April, bought and was approved in May; Hoa joined, bought and was
    approved in May; Tuan joined in May, bought in June; Vy joined at the other location in May and did not buy."""
    shop, a, b = saigon, saigon.loc_a, saigon.loc_b
    lan = enrol(shop, name="Lan", at=utc(2031, 3, 1, 3, 0), actor=Actor(shop=shop, location=a))
    for at in (utc(2031, 4, 30, 23, 30), utc(2031, 5, 9, 3, 0), utc(2031, 5, 20, 3, 0), utc(2031, 5, 31, 17, 30)):
        opened(shop, lan, at)
    opened(shop, lan, utc(2031, 4, 30, 16, 30))  # 23:30 on 30 April there: April
    friends = {
        name: enrol(shop, name=name, at=utc(2031, 4, 20, 3, 0), actor=Actor(shop=shop, location=place))
        for name, place in (("Minh", a), ("Hoa", a), ("Tuan", a), ("Vy", b))
    }
    referred(shop, lan, friends["Minh"], utc(2031, 4, 20, 3, 0), utc(2031, 5, 2, 3, 0), utc(2031, 5, 16, 3, 0),
             Status.APPROVED)  # fmt: skip
    referred(shop, lan, friends["Hoa"], utc(2031, 5, 3, 3, 0), utc(2031, 5, 4, 3, 0), utc(2031, 5, 18, 3, 0),
             Status.APPROVED)  # fmt: skip
    referred(shop, lan, friends["Tuan"], utc(2031, 5, 10, 3, 0), utc(2031, 6, 2, 3, 0), status=Status.PURCHASED)
    referred(shop, lan, friends["Vy"], utc(2031, 5, 11, 3, 0))
    shop.lan, shop.friends = lan, friends
    return shop


@pytest.fixture
def vip(db):
    return config_import(vip_document())


def paid(shop, member, plan: str, amount: str, at):
    return membership_purchase(
        member=member, plan_code=plan, amount_paid=Decimal(amount), at=at, reference=f"P-{uuid.uuid4().hex[:8]}"
    )


@pytest.fixture
def clubs(vip):
    """May 2031 in Ho Chi Minh City (UTC+7). The monthly box is 199,000 ₫ with 3 days of grace, the yearly 88VIP
    888 ₫ with 7. A: box from 10 April, not renewed: lapses on 13 May after the grace. B: box from 20 April,
    renewed on 18 May. C: 88VIP on 5 May, cancelled at once on 20 May. D: box on 25 May, cancelled with a refund
    on 9 June (16 of its 31 days back: 102,710 ₫). E: box on 2 June."""
    members = {name: enrol(vip, name=name, at=utc(2031, 4, 1, 3, 0)) for name in "ABCDE"}
    paid(vip, members["A"], "box", "199000", utc(2031, 4, 10, 3, 0))
    paid(vip, members["B"], "box", "199000", utc(2031, 4, 20, 3, 0))
    paid(vip, members["B"], "box", "199000", utc(2031, 5, 18, 3, 0))
    paid(vip, members["C"], "88vip", "888", utc(2031, 5, 5, 3, 0))
    membership_cancel(membership=Membership.objects.get(member=members["C"]), at_once=True, at=utc(2031, 5, 20, 3, 0))
    paid(vip, members["D"], "box", "199000", utc(2031, 5, 25, 3, 0))
    membership_cancel(
        membership=Membership.objects.get(member=members["D"]), at_once=True, refund=True, at=utc(2031, 6, 9, 3, 0)
    )
    paid(vip, members["E"], "box", "199000", utc(2031, 6, 2, 3, 0))
    vip.clubbers = members
    return vip


__all__ = ["buy", "enrol", "opened", "paid", "referred", "refund", "utc"]
