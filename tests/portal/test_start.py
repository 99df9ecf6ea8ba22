"""Getting started: the template cards after onboarding, applied in one tap, and the dashboard's start checklist
that stays until every step is done."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loyalty.models import Role
from loyalty.portal.models import ConfigVersion, StartStep
from loyalty.services.purchases import purchase_record
from loyalty.services.shops import staff_invite
from loyalty.services.templates import program_templates
from tests.factories import enrol

START = reverse("portal:start")
HOME = reverse("portal:home")


def checklist_items(html: str) -> list[str]:
    section = html.split('id="start-checklist"', 1)[1].split("</section>", 1)[0]
    return [item.split(">", 1)[0] for item in section.split("<li")[1:]]


def test_the_cards_speak_the_shops_language_and_say_what_customers_get(owner_client, shop):
    shop.language = "vi"
    shop.save()
    html = owner_client.get(START).content.decode()
    for template in program_templates("vi"):
        assert template.name in html and template.description in html
    assert "Sao cà phê" in html  # coffee stars, in Vietnamese


def test_one_tap_applies_the_template_and_keeps_a_version(owner_client, shop, owner):
    response = owner_client.post(START, {"template": "coffee-stamp-card"})
    assert response.status_code == 302 and response["Location"] == HOME
    shop.program.refresh_from_db()
    assert shop.program.stamp_cards.exists()
    notes = list(ConfigVersion.objects.filter(shop=shop).order_by("number").values_list("note", "by"))
    assert notes == [("before", None), ("template:coffee-stamp-card", owner.pk)]


def test_an_unknown_template_changes_nothing(owner_client, shop):
    response = owner_client.post(START, {"template": "nope"})
    assert response.status_code == 200 and "Choose one of the templates." in response.content.decode()
    assert not ConfigVersion.objects.exists()


def test_cashiers_cannot_choose_the_program(as_user, cashier):
    assert as_user(cashier).post(START, {"template": "coffee-stars"}).status_code == 403


def test_the_checklist_follows_the_shop_until_every_step_is_done(owner_client, shop, owner):
    first = owner_client.get(HOME).content.decode()
    assert checklist_items(first) == [""] * 5
    owner_client.post(START, {"template": "coffee-stars"})
    staff_invite(shop=shop, email="lan@example.com", role=Role.CASHIER, invited_by=owner)
    member = enrol(shop)
    html = owner_client.get(HOME).content.decode()
    assert checklist_items(html) == [' class="done"', "", ' class="done"', ' class="done"', ""]
    purchase_record(shop=shop, external_id="first", amount=Decimal("50000"), member=member)
    StartStep.objects.create(shop=shop, step="poster")
    assert checklist_items(owner_client.get(HOME).content.decode()) == [' class="done"'] * 5
    assert 'id="start-checklist"' not in owner_client.get(HOME).content.decode()  # done: it goes away


def test_printing_the_poster_ticks_its_step(owner_client, shop, monkeypatch):
    from loyalty.services import printing

    monkeypatch.setattr(printing, "poster_png", lambda shop: b"png")
    assert owner_client.get(reverse("portal:print_poster_png")).status_code == 200
    assert StartStep.objects.filter(shop=shop, step="poster").count() == 1


def test_the_checklist_costs_one_query(owner_client, shop):
    owner_client.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(HOME)
    assert sum("portal_startstep" in q["sql"] for q in queries) == 1


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_the_owner_sees_the_checklist(as_user, shop, role):
    from tests.factories import StaffFactory

    user = StaffFactory(shop=shop, role=role).user
    assert 'id="start-checklist"' not in as_user(user).get(HOME).content.decode()
