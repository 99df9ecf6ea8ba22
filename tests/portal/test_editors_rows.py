"""The list editors (campaigns with their month calendar, tiers, stamp cards): the rows as they are saved, the
preview of the draft, errors naming the row and field, and saving as a version."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from loyalty.portal.editors.campaigns import month_calendar
from loyalty.portal.models import ConfigVersion
from loyalty.services.config_export import config_export

HTMX = {"HTTP_HX_REQUEST": "true"}
TUESDAY_EVENING = "2026-12-08T18:00"


@pytest.fixture
def cafe_owner(as_user, cafe):
    from tests.factories import StaffFactory

    return as_user(StaffFactory(shop=cafe, role="owner").user)


def purchase(**fields) -> dict:
    return {
        "preview-amount": "125000",
        "preview-occurred_at": TUESDAY_EVENING,
        "preview-tier": "gold",
        "preview-category": "",
        "preview-payment_method": "",
        **fields,
    }


def rows(prefix_rows: list[dict], total: int | None = None) -> dict:
    data = {"rows-TOTAL_FORMS": str(total or len(prefix_rows)), "rows-INITIAL_FORMS": "0"}
    for index, row in enumerate(prefix_rows):
        data.update({f"rows-{index}-{key}": value for key, value in row.items()})
    return data


CAMPAIGN = {"name": "Double Tuesday", "code": "double-tue", "multiplier": "2", "weekdays": ["2"]}


def test_the_campaign_preview_follows_the_draft_and_its_calendar(cafe_owner, cafe):
    base = config_export(cafe)
    data = {
        **purchase(),
        **rows([CAMPAIGN, {"name": "Evening", "multiplier": "1.5", "hour_from": "17:00", "hour_to": "19:00"}]),
    }
    html = cafe_owner.post(reverse("portal:editor_campaigns_preview"), data, **HTMX).content.decode()
    # 125,000 / 40,000 × 2 × 1.5 = 9.375, × 1.5 for Gold = 14.06 → 14
    assert "<strong data-preview-points>14</strong>" in html
    assert "Evening ×1.5 17:00–19:00" in html and 'class="calendar"' in html
    assert config_export(type(cafe).objects.get(pk=cafe.pk)) == base


def test_a_campaign_error_names_its_row_and_field(cafe_owner):
    data = {
        **purchase(),
        **rows([CAMPAIGN, {"name": "Broken", "multiplier": "2", "starts": "2027-02-01", "ends": "2027-01-01"}]),
    }
    response = cafe_owner.post(reverse("portal:editor_campaigns"), data)
    assert response.status_code == 400
    assert "Campaign 2 · Until (not included): Must be after the first day." in response.content.decode()


def test_saving_campaigns_replaces_them_and_keeps_a_version(cafe_owner, cafe):
    data = {
        **purchase(),
        **rows(
            [
                {**CAMPAIGN, "multiplier": "3"},
                {"name": "Spring", "multiplier": "2", "starts": "2027-03-01", "ends": "2027-04-01"},
            ]
        ),
    }
    assert cafe_owner.post(reverse("portal:editor_campaigns"), data).status_code == 302
    campaigns = config_export(type(cafe).objects.get(pk=cafe.pk))["program"]["campaigns"]
    assert [(c["code"], c["multiplier"]) for c in campaigns] == [("double-tue", "3"), ("spring", "2")]
    assert campaigns[1]["starts"] == "2027-03-01" and campaigns[1]["ends"] == "2027-04-01"
    assert ConfigVersion.objects.filter(shop=cafe, note="editor:campaigns").exists()


def test_a_campaign_ticked_for_removal_goes(cafe_owner, cafe):
    data = {**purchase(), **rows([{**CAMPAIGN, "DELETE": "on"}])}
    assert cafe_owner.post(reverse("portal:editor_campaigns"), data).status_code == 302
    assert config_export(type(cafe).objects.get(pk=cafe.pk))["program"]["campaigns"] == []


def test_the_month_calendar_marks_the_days_each_campaign_applies():
    calendar = month_calendar(
        [
            {"name": "Tue", "multiplier": "2", "weekdays": [2]},
            {"name": "Week", "multiplier": "3", "starts": "2026-12-14", "ends": "2026-12-21"},
        ],
        date(2026, 12, 1),
    )
    days = {cell["day"]: cell["campaigns"] for week in calendar["weeks"] for cell in week}
    assert days[date(2026, 12, 1)] == ["Tue ×2"]
    assert days[date(2026, 12, 15)] == ["Tue ×2", "Week ×3"]
    assert days[date(2026, 12, 21)] == []  # the end is not included


LEVELS = [
    {"name": "Green", "code": "green", "threshold": "0", "multiplier": "1", "discount_percent": "0"},
    {"name": "Gold", "code": "gold", "threshold": "300", "multiplier": "2", "discount_percent": "5"},
]


def tiers(levels=LEVELS, **fields) -> dict:
    return {
        "basis": "points_earned",
        "window": "rolling_12_months",
        "downgrade_grace_days": "30",
        **rows(levels),
        **fields,
    }


def test_the_tier_preview_uses_the_draft_multiplier(cafe_owner):
    html = cafe_owner.post(reverse("portal:editor_tiers_preview"), {**purchase(), **tiers()}, **HTMX).content.decode()
    assert "<strong data-preview-points>12</strong>" in html  # 3.125 × 2 (Tuesday) × 2 (Gold) = 12.5 → 12


def test_tiers_need_a_level_at_zero_and_whole_thresholds(cafe_owner):
    levels = [{**LEVELS[0], "threshold": "10"}, {**LEVELS[1], "threshold": "300.5"}]
    html = cafe_owner.post(reverse("portal:editor_tiers"), {**purchase(), **tiers(levels)}).content.decode()
    assert "One level must start at 0" in html and "Level 2 · From: must be a whole number." in html


def test_saving_tiers_keeps_members_tiers_by_code(cafe_owner, cafe):
    from tests.factories import enrol

    member = enrol(cafe)
    assert member.account.tier.code == "green"
    levels = [
        *LEVELS,
        {"name": "Platinum", "code": "platinum", "threshold": "1000", "multiplier": "3", "discount_percent": "10"},
    ]
    assert cafe_owner.post(reverse("portal:editor_tiers"), {**purchase(), **tiers(levels)}).status_code == 302
    exported = config_export(type(cafe).objects.get(pk=cafe.pk))["program"]["tiers"]
    assert [level["code"] for level in exported["levels"]] == ["green", "gold", "platinum"]
    assert exported["window"] == "rolling_12_months"
    member.account.refresh_from_db()
    assert member.account.tier.code == "green"


CARD = {"name": "Coffee card", "code": "coffee", "stamps_required": "5", "per": "item", "categories": "coffee",
        "min_spend": "0", "cooldown_minutes": "0", "reward": "free-coffee"}  # fmt: skip


def test_the_stamp_card_preview_shows_the_stamps(cafe_owner):
    data = {**purchase(**{"preview-category": "coffee"}), **rows([{**CARD, "stamps_required": "8"}])}
    html = cafe_owner.post(reverse("portal:editor_stamp-cards_preview"), data, **HTMX).content.decode()
    assert "Coffee card: 1 stamp (of 8)" in html


def test_saving_a_stamp_card(cafe_owner, cafe):
    data = {**purchase(), **rows([{**CARD, "stamps_required": "8", "per": "visit", "categories": ""}])}
    assert cafe_owner.post(reverse("portal:editor_stamp-cards"), data).status_code == 302
    card = config_export(type(cafe).objects.get(pk=cafe.pk))["program"]["stamp_cards"][0]
    assert (card["stamps_required"], card["per"], card["categories"]) == (8, "visit", [])


def test_the_list_pages_show_each_saved_row_and_a_spare_one(cafe_owner):
    for code in ("campaigns", "tiers", "stamp-cards"):
        response = cafe_owner.get(reverse(f"portal:editor_{code}"))
        assert response.status_code == 200, code
        assert "Add one" in response.content.decode()
    assert 'value="double-tue"' in cafe_owner.get(reverse("portal:editor_campaigns")).content.decode()
