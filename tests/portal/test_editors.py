"""The earning editor: the form shows the saved rules, the live preview answers for the draft without saving it,
validation names the field in the owner's language, and saving applies from now on with a version kept."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from loyalty.models import EntryKind, LedgerEntry
from loyalty.portal.models import ConfigVersion
from loyalty.services.config_export import config_export
from loyalty.services.purchases import purchase_record
from tests.factories import enrol

EARNING = reverse("portal:editor_earning")
PREVIEW = reverse("portal:editor_earning_preview")
HTMX = {"HTTP_HX_REQUEST": "true"}


def earning(**changes) -> dict:
    data = {
        "points": "1",
        "per_amount": "40000",
        "rounding": "down",
        "min_spend": "0",
        "exclude_categories": "",
        "pending_days": "0",
        "expiry_policy": "none",
        "multipliers": "",
        "preview-amount": "125000",
        "preview-occurred_at": "2026-12-08T18:00",  # a Tuesday
        "preview-tier": "",
        "preview-category": "",
        "preview-payment_method": "",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_saved_rules_and_what_the_sample_purchase_earns(owner_client, shop):
    page = owner_client.get(EARNING)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="per_amount"' in html and 'value="40000"' in html
    assert "This purchase earns <strong data-preview-points>3</strong>" in html  # 125,000 / 40,000 = 3.125


def test_the_preview_answers_for_the_draft_and_saves_nothing(owner_client, shop):
    before = config_export(shop)
    response = owner_client.post(
        PREVIEW, earning(per_amount="10000", multipliers="coffee 2", **{"preview-category": "coffee"}), **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "<strong data-preview-points>25</strong>" in html  # 12.5 × 2 = 25
    assert "× 2 for coffee" in html
    assert config_export(type(shop).objects.get(pk=shop.pk)) == before
    assert not ConfigVersion.objects.exists()


def test_the_preview_names_the_field_with_its_message(owner_client, shop):
    response = owner_client.post(PREVIEW, earning(per_amount="40000.5", points="-1"), **HTMX)
    html = response.content.decode()
    assert "Points: Ensure this value is greater than or equal to 0." in html
    assert "for every (amount spent): Use at most 0 digits after the decimal point in this currency." in html


def test_validation_messages_are_in_the_owners_language(owner_client, shop):
    response = owner_client.post(PREVIEW, earning(points="-1"), HTTP_ACCEPT_LANGUAGE="vi", **HTMX)
    with translation.override("vi"):
        expected = str(translation.gettext("Ensure this value is greater than or equal to %(limit_value)s."))
    assert expected != "Ensure this value is greater than or equal to %(limit_value)s."
    assert expected % {"limit_value": 0} in response.content.decode()


def test_saving_applies_from_now_on_and_keeps_the_past(owner_client, shop, owner):
    member = enrol(shop)
    purchase_record(shop=shop, external_id="before", amount=Decimal("80000"), member=member)
    response = owner_client.post(
        EARNING, earning(per_amount="10000", expiry_policy="days_after_earn", expiry_days="30")
    )
    assert response.status_code == 302
    shop.program.refresh_from_db()
    assert (shop.program.earn_per_amount, shop.program.expiry_policy, shop.program.expiry_days) == (
        Decimal("10000"),
        "days_after_earn",
        30,
    )
    assert LedgerEntry.objects.get(kind=EntryKind.EARN).points == 2  # earned before the change: as it was
    purchase_record(shop=shop, external_id="after", amount=Decimal("80000"), member=member)
    assert LedgerEntry.objects.filter(kind=EntryKind.EARN).order_by("id").last().points == 8
    versions = list(ConfigVersion.objects.order_by("number").values_list("note", flat=True))
    assert versions == ["before", "editor:earning"]


def test_an_invalid_draft_is_refused_with_each_field_named(owner_client, shop):
    response = owner_client.post(EARNING, earning(points="-1", expiry_policy="days_after_earn"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter after how many days points expire." in html
    assert "Ensure this value is greater than or equal to 0." in html
    assert not ConfigVersion.objects.exists()


def test_bonuses_with_limits_round_trip(owner_client, shop):
    owner_client.post(
        EARNING,
        earning(bonus_signup="5", bonus_review="2", bonus_review_count="1", bonus_review_per="month"),
    )
    bonuses = config_export(type(shop).objects.get(pk=shop.pk))["program"]["bonuses"]
    assert {"event": "signup", "points": 5} in bonuses
    assert {"event": "review", "points": 2, "limit": {"count": 1, "per": "month"}} in bonuses
    page = owner_client.get(EARNING).content.decode()
    assert 'name="bonus_review_per"' in page and '<option value="month" selected>' in page


def test_the_preview_costs_a_fixed_number_of_queries(owner_client, shop):
    owner_client.post(PREVIEW, earning(), **HTMX)
    with CaptureQueriesContext(connection) as small:
        owner_client.post(PREVIEW, earning(), **HTMX)
    with CaptureQueriesContext(connection) as bigger:
        owner_client.post(PREVIEW, earning(multipliers="a 2\nb 3\nc 4"), **HTMX)
    assert len(bigger) <= len(small) + 3  # each multiplier row is one insert of the rolled-back draft


def test_cashiers_cannot_edit(as_user, cashier):
    assert as_user(cashier).get(EARNING).status_code == 403
    assert as_user(cashier).post(PREVIEW, earning(), **HTMX).status_code == 403
