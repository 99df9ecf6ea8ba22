"""The program apps' figures (loyalty.hooks.report_figure) on known data sets computed by hand: the referral funnel
of May 2031 and the memberships' revenue and churn of the same month (a renewal, a lapse after the grace, a
cancellation at once, a refund in June of a May payment), in the report, the API, the CSV and on the dashboard,
each in a fixed number of aggregate queries whatever the number of members."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.present import report_fields
from insights.report import period_of, program_report
from loyalty import hooks
from loyalty.services.api_keys import api_key_create
from loyalty.services.ledger import Actor
from memberships.models import Membership
from memberships.services.lifecycle import membership_cancel, membership_purchase
from referrals.models import LinkVisit, Referral, Status
from tests.factories import StaffFactory
from tests.loyalty.documents import document, program
from tests.memberships.conftest import vip_document
from tests.till import TillClient

from .conftest import enrol, utc

MAY, JUNE = date(2031, 5, 1), date(2031, 6, 1)
AFTERWARDS = utc(2031, 6, 15, 0, 0)


def figure(report, key: str) -> dict:
    return next({value.key: value.value for value in values} for found, values in report.extras if found.key == key)


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


def test_the_referral_funnel_of_may(funnel):
    report = program_report(period_of(funnel, MAY, JUNE), now=AFTERWARDS)
    assert figure(report, "referral_funnel") == {"links_opened": 3, "joined": 3, "purchased": 2, "approved": 2}


def test_the_referral_funnel_at_one_location(funnel):
    """Friends who joined there (Hoa, Tuan; not Vy); links opened have no location."""
    at_a = program_report(period_of(funnel, MAY, JUNE, funnel.loc_a), now=AFTERWARDS)
    assert figure(at_a, "referral_funnel") == {"links_opened": None, "joined": 2, "purchased": 0, "approved": 0}


@pytest.fixture
def vip(db):
    from loyalty.services.config import config_import

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


def test_membership_revenue_and_churn_of_may(clubs):
    report = program_report(period_of(clubs, MAY, JUNE), now=AFTERWARDS)
    assert figure(report, "memberships") == {
        "revenue": Decimal("296178"),  # B's renewal 199,000 + C's 888 + D's 199,000 less 102,710 refunded
        "running": 2,  # A and B on 1 May
        "started": 2,  # C and D
        "churned": 2,  # A (13 May, after the grace), C (20 May, at once); D's cancellation is June's
        "churn_rate": Decimal("0.5000"),  # 2 / (2 + 2)
    }
    assert figure(report, "referral_funnel") == {"links_opened": 0, "joined": 0, "purchased": 0, "approved": 0}


def test_a_lapse_still_ahead_is_not_churn_yet(clubs):
    """Read on 12 May: A is in its grace, C not yet cancelled; only what has happened by then counts."""
    report = program_report(period_of(clubs, MAY, JUNE), now=utc(2031, 5, 12, 0, 0))
    assert figure(report, "memberships")["churned"] == 0


def test_memberships_have_no_location(clubs):
    from tests.factories import LocationFactory

    here = LocationFactory(shop=clubs, code="here")
    values = figure(program_report(period_of(clubs, MAY, JUNE, here), now=AFTERWARDS), "memberships")
    assert set(values.values()) == {None}


def test_the_api_the_csv_and_the_dashboard_say_the_same(clubs, client):
    from loyalty.models import Role

    """Read now (in 2026, before any of it lapsed: no churn yet), the three say the same numbers."""
    fields = report_fields(program_report(period_of(clubs, MAY, JUNE)), clubs.currency)
    assert fields["memberships"] == {
        "revenue": "296178", "running": 2, "started": 2, "churned": 0, "churn_rate": "0.0000",
    }  # fmt: skip
    assert fields["referral_funnel"] == {"links_opened": 0, "joined": 0, "purchased": 0, "approved": 0}
    _key, secret = api_key_create(shop=clubs, role="manager")
    body = (
        TillClient()
        .get(
            "/api/v1/reports/program", {"from": "2031-05-01", "to": "2031-06-01"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        .json()
    )
    assert body["memberships"] == fields["memberships"] and body["referral_funnel"] == fields["referral_funnel"]
    client.force_login(StaffFactory(shop=clubs, role=Role.MANAGER).user)
    csv = client.get(reverse("insights:report_csv"), {"start": "2031-05-01", "end": "2031-06-01"}).content.decode()
    assert "memberships.revenue,296178" in csv and "referral_funnel.joined,0" in csv
    page = client.get(reverse("insights:dashboard"), {"start": "2031-05-01", "end": "2031-06-01"}).content.decode()
    assert "Membership revenue and churn" in page and "Referral funnel" in page and "296,178" in page


def test_each_figure_costs_fixed_queries_whatever_the_members(funnel):
    def queries(compute) -> int:
        with CaptureQueriesContext(connection) as captured:
            compute(funnel, period.since, period.until, None, AFTERWARDS)
        return len(captured)

    period = period_of(funnel, MAY, JUNE)
    computes = {figure.key: figure.compute for figure in hooks.report_figures()}
    before = {key: queries(compute) for key, compute in computes.items()}
    for day in range(1, 15):
        friend = enrol(funnel, at=utc(2031, 5, day, 3, 0))
        referred(funnel, funnel.lan, friend, utc(2031, 5, day, 3, 0))
        opened(funnel, funnel.lan, utc(2031, 5, day, 4, 0))
    after = {key: queries(compute) for key, compute in computes.items()}
    assert before == after == {"referral_funnel": 2, "memberships": 2}
    assert figure(program_report(period, now=AFTERWARDS), "referral_funnel")["joined"] == 3 + 14


def test_an_empty_shop_has_every_figure_at_zero(db):
    from loyalty.services.config import config_import

    shop = config_import(document("empty", program("10000")))
    report = program_report(period_of(shop, MAY, JUNE), now=AFTERWARDS)
    assert figure(report, "memberships")["churn_rate"] == Decimal("0.0000")
    assert figure(report, "memberships")["revenue"] == Decimal("0")
