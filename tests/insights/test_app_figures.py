"""The program apps' figures (loyalty.hooks.report_figure) on known data sets computed by hand: the referral funnel
of May 2031 and the memberships' revenue and churn of the same month (a renewal, a lapse after the grace, a
cancellation at once, a refund in June of a May payment), in the report, the API, the CSV and on the dashboard,
each in a fixed number of aggregate queries whatever the number of members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.present import report_fields
from insights.report import period_of, program_report
from loyalty import hooks
from loyalty.services.api_keys import api_key_create
from tests.factories import StaffFactory
from tests.loyalty.documents import document, program
from tests.till import TillClient

from .conftest import enrol, opened, referred, utc

MAY, JUNE = date(2031, 5, 1), date(2031, 6, 1)
AFTERWARDS = utc(2031, 6, 15, 0, 0)


def figure(report, key: str) -> dict:
    return next({value.key: value.value for value in values} for found, values in report.extras if found.key == key)


def test_the_referral_funnel_of_may(funnel):
    report = program_report(period_of(funnel, MAY, JUNE), now=AFTERWARDS)
    assert figure(report, "referral_funnel") == {"links_opened": 3, "joined": 3, "purchased": 2, "approved": 2}


def test_the_referral_funnel_at_one_location(funnel):
    """Friends who joined there (Hoa, Tuan; not Vy); links opened have no location."""
    at_a = program_report(period_of(funnel, MAY, JUNE, funnel.loc_a), now=AFTERWARDS)
    assert figure(at_a, "referral_funnel") == {"links_opened": None, "joined": 2, "purchased": 0, "approved": 0}


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
    assert before == after == {"commissions": 1, "referral_funnel": 2, "memberships": 2}
    assert figure(program_report(period, now=AFTERWARDS), "referral_funnel")["joined"] == 3 + 14


def test_an_empty_shop_has_every_figure_at_zero(db):
    from loyalty.services.config import config_import

    shop = config_import(document("empty", program("10000")))
    report = program_report(period_of(shop, MAY, JUNE), now=AFTERWARDS)
    assert figure(report, "memberships")["churn_rate"] == Decimal("0.0000")
    assert figure(report, "memberships")["revenue"] == Decimal("0")
