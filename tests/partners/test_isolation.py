"""Every partner page (partner/…) with another partner's ids is a 404 for a signed-in partner, and their own is not;
the partner links (p/) are public by design."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from loyalty.services.config import config_import
from partners.services.commissions import commissions_approve
from partners.services.payouts import payout_create
from tests.factories import UserFactory
from tests.portal.test_tenant_isolation import request_both_ways, walk

from .conftest import T0, buy, customer, partner, partner_of, plan, vnd_document

ROUTES = [route for route in walk() if route.route.startswith("partner/") and route.arguments]


def test_the_walk_finds_the_partner_pages():
    assert {route.name for route in ROUTES} == {
        "partners:apply",
        "partners:page",
        "partners:page_qr",
        "partners:page_payout_details",
        "partners:page_statement",
    }


def partner_with_a_statement(slug: str, email: str):
    shop = config_import(
        vnd_document(slug, plans=[plan("ban", percent="10", hold_days=0)], partners=[partner("P1", "ban", email=email)])
    )
    buy(shop, customer(shop, partner_code="P1"), "100000")
    commissions_approve(as_of=T0 + timedelta(seconds=1))
    return payout_create(partner=partner_of(shop, "P1"), at=T0 + timedelta(seconds=1))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name != "partners:apply"], ids=lambda route: route.name)
def test_another_partners_page_is_404_and_ones_own_is_not(db, route):
    mine, theirs = (
        partner_with_a_statement("a-shop", "a@example.com"),
        partner_with_a_statement("b-shop", "b@example.com"),
    )
    client = Client()
    client.force_login(UserFactory(email="a@example.com"))

    def url(payout):
        values = {"partner_id": payout.partner_id, "payout_id": payout.pk}
        return reverse(route.name, kwargs={argument: values[argument] for argument in route.arguments})

    answers = request_both_ways(client, url(theirs))
    assert 404 in answers and answers <= {404, 405}, answers
    assert 404 not in request_both_ways(client, url(mine))
