"""The program page: the program in plain words, templates, the configuration file both ways and the live
preview of what a purchase earns."""

import copy
import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from loyalty.models import Shop
from loyalty.services.config import config_import
from loyalty.services.config_export import config_export

PROGRAM = reverse("portal:program")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager_client(as_user, cafe_staff):
    return as_user(cafe_staff["manager"])


def upload(document, name="config.json") -> dict:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return {"document": SimpleUploadedFile(name, body, content_type="application/json")}


def test_the_page_says_the_program_in_plain_words(manager_client):
    html = manager_client.get(PROGRAM).content.decode()
    assert "Members earn 1 star for every ₫40,000 spent." in html  # one star, and the program's own name
    assert "Double Tuesday: ×2" in html and "Items in the category “beans” earn ×3" in html
    assert "Tier Gold from 300 stars" in html and "Coffee card: 5 stamps give Free Coffee" in html


def test_the_page_offers_every_shipped_template(manager_client):
    html = manager_client.get(PROGRAM).content.decode()
    for name in ("Coffee stars", "Coffee stamp card", "Car wash card", "Points + tiers"):
        assert name in html
    assert f"{reverse('portal:program_template')}?template=coffee-stars" in html


def test_the_configuration_downloads_as_the_shops_json_file(manager_client, cafe):
    response = manager_client.get(reverse("portal:program_export"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="portal-cafe.json"'
    assert json.loads(response.content) == json.loads(json.dumps(config_export(cafe)))


def test_an_uploaded_file_replaces_the_configuration(manager_client, cafe):
    document = json.loads(manager_client.get(reverse("portal:program_export")).content)
    document["program"]["earn"]["points"] = 2
    response = manager_client.post(reverse("portal:program_import"), upload(document), follow=True)
    assert response.redirect_chain == [(PROGRAM, 302)]
    assert "The configuration file was imported." in response.content.decode()
    assert "Members earn 2 stars" in response.content.decode()
    cafe.program.refresh_from_db()
    assert cafe.program.earn_points == 2


def test_a_file_for_another_shop_is_refused_and_changes_nothing(manager_client, cafe):
    document = config_export(cafe)
    document["merchant"]["slug"] = "someone-else"
    document["program"]["earn"]["points"] = 7
    response = manager_client.post(reverse("portal:program_import"), upload(document))
    assert response.status_code == 200
    [error] = response.context["upload_form"].errors["document"]
    assert error.startswith("merchant.slug:") and "someone-else" in error and "portal-cafe" in error
    assert escape(error) in response.content.decode()
    assert not Shop.objects.filter(slug="someone-else").exists()
    cafe.program.refresh_from_db()
    assert cafe.program.earn_points == 1


def test_an_error_names_its_json_path_and_changes_nothing(manager_client, cafe):
    document = config_export(cafe)
    document["program"]["earn"]["points"] = 7  # valid, but the file as a whole is not
    document["program"]["tiers"]["levels"][1]["threshold"] = "lots"
    response = manager_client.post(reverse("portal:program_import"), upload(document))
    [error] = response.context["upload_form"].errors["document"]
    assert error.startswith("program.tiers.levels[1].threshold:")
    cafe.program.refresh_from_db()
    assert cafe.program.earn_points == 1


def test_an_error_found_while_applying_changes_nothing(manager_client, cafe, cafe_staff):
    """The stamp card has stamps, so a file without it fails after the program row was written: rolled back."""
    from loyalty.services.purchases import purchase_record
    from loyalty.services.rules import Line
    from tests.factories import enrol

    coffee = Decimal("45000")
    purchase_record(
        shop=cafe, external_id="r1", amount=coffee, member=enrol(cafe), lines=[Line(amount=coffee, category="coffee")]
    )
    document = config_export(cafe)
    document["program"]["earn"]["points"] = 7
    document["program"]["stamp_cards"] = []
    document["rewards"] = []
    response = manager_client.post(reverse("portal:program_import"), upload(document))
    [error] = response.context["upload_form"].errors["document"]
    assert error.startswith("program.stamp_cards:")
    cafe.program.refresh_from_db()
    assert cafe.program.earn_points == 1 and cafe.program.stamp_cards.exists()


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "The file is not valid JSON"),
        (b"\xff\xfe\x00", "The file is not text in UTF-8."),
        (b"[]", "document: must be an object"),
        ("{}".encode("utf-16"), "The file is not text in UTF-8."),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # json.loads would recurse until it fails
        (b" " * (2 * 1024 * 1024 + 1), "The file is too large"),
    ],
    ids=["not json", "not utf-8", "not an object", "utf-16", "nested", "too large"],
)
def test_a_file_that_is_not_a_configuration_is_refused(manager_client, cafe, body, message):
    response = manager_client.post(reverse("portal:program_import"), upload(body))
    assert message in response.context["upload_form"].errors["document"][0]


def test_a_template_is_applied_after_confirming(manager_client, cafe):
    confirm = manager_client.get(reverse("portal:program_template"), {"template": "coffee-stars"})
    html = confirm.content.decode()
    assert "Use the template “Coffee stars”?" in html and "Replace my program" in html
    assert reverse("portal:program_export") in html
    cafe.program.refresh_from_db()
    assert cafe.program.name == "Test Club"  # asking changed nothing

    response = manager_client.post(reverse("portal:program_template"), {"template": "coffee-stars"}, follow=True)
    assert response.redirect_chain == [(PROGRAM, 302)]
    assert "Your program now follows the template “Coffee stars”." in response.content.decode()
    cafe.program.refresh_from_db()
    assert cafe.program.name == "Test Club" and cafe.program.points_name == "stars"  # the shop's names stay
    assert cafe.program.campaigns.get().name == "Double Tuesday" and cafe.rewards.get(code="free-drink")


def test_an_unknown_template_is_refused(manager_client, cafe):
    response = manager_client.post(reverse("portal:program_template"), {"template": "nope"}, follow=True)
    assert "Choose one of the templates." in response.content.decode()
    cafe.program.refresh_from_db()
    assert cafe.program.name == "Test Club"


def preview(client, **values):
    query = {
        "amount": "400000",
        "category": "",
        "occurred_at": "2026-03-02T09:00",
        "tier": "",
        "payment_method": "",
        **values,
    }
    return client.get(PROGRAM, query, headers=HTMX)


def test_the_preview_explains_the_base_points(manager_client):
    html = preview(manager_client).content.decode()
    assert html.lstrip().startswith('<div id="preview"')
    assert "purchase: 400000 × 1/40000 = 10" in html
    assert "This purchase earns <strong>10</strong> stars." in html


def test_the_preview_applies_a_campaign_on_its_day_and_a_category_rule(manager_client):
    tuesday = datetime(2026, 3, 3, 9, 0).strftime("%Y-%m-%dT%H:%M")
    html = preview(manager_client, occurred_at=tuesday, category="beans").content.decode()
    assert "× 3 for beans" in html and "× 2 Double Tuesday" in html
    assert "<strong>60</strong>" in html


def test_the_preview_for_a_tier_uses_its_multiplier(manager_client, cafe):
    gold = cafe.program.tiers.get(code="gold")
    html = preview(manager_client, tier=gold.pk).content.decode()
    assert "× 1.5 for Gold" in html and "<strong>15</strong>" in html


def test_the_preview_reads_the_time_in_the_shops_time_zone(manager_client):
    """Tuesday 00:30 in Hanoi is still Monday in UTC: the Tuesday campaign applies."""
    html = preview(manager_client, occurred_at="2026-03-03T00:30").content.decode()
    assert "Double Tuesday" in html


def test_the_preview_shows_what_is_wrong(manager_client):
    html = preview(manager_client, amount="-5").content.decode()
    assert 'class="error"' in html and "This purchase earns" not in html


def test_the_preview_works_without_javascript(manager_client):
    response = manager_client.get(PROGRAM, {"amount": "80000"})
    html = response.content.decode()
    assert "<h1>" in html and "This purchase earns <strong>2</strong> stars." in html


def test_the_page_costs_the_same_queries_for_a_bigger_program(manager_client, cafe):
    with CaptureQueriesContext(connection) as small:
        manager_client.get(PROGRAM)
        preview(manager_client)
    document = copy.deepcopy(config_export(cafe))
    program = document["program"]
    program["campaigns"] += [dict(program["campaigns"][0], code=f"c{n}", name=f"Campaign {n}") for n in range(5)]
    program["category_multipliers"] += [{"category": f"cat{n}", "multiplier": "2"} for n in range(5)]
    program["tiers"]["levels"] += [
        {"code": f"t{n}", "name": f"T{n}", "threshold": 1000 + n, "multiplier": "1", "discount_percent": "0"}
        for n in range(5)
    ]
    config_import(document, update=True)
    with CaptureQueriesContext(connection) as big:
        manager_client.get(PROGRAM)
        preview(manager_client)
    assert len(big) == len(small)


@pytest.mark.parametrize(
    ("language", "card", "reward", "button"),
    [("vi", "Thẻ cà phê", "Cà phê miễn phí", "Cà phê"), ("fa", "کارت قهوه", "قهوه‌ی رایگان", "قهوه")],
)
def test_a_template_is_written_in_the_shops_language(db, language, card, reward, button):
    """Applied to a Vietnamese or Persian shop, a template names its cards, rewards and the counter's buttons in
    that language; the program and its points keep the shop's own names; sentences count in the shop's words."""
    from django.utils import translation

    from loyalty.member_site.benefits import program_benefits
    from loyalty.models import QuickItem
    from loyalty.services.templates import program_template_apply
    from tests.loyalty.documents import merchant, program

    shop = config_import(
        {
            "merchant": merchant(f"shop-{language}", language=language),
            "program": program("40000", points_name="điểm", name="Quán của Lan"),
        }
    )
    program_template_apply(shop=shop, code="coffee-stamp-card")
    shop.refresh_from_db()
    assert shop.program.name == "Quán của Lan" and shop.program.points_name == "điểm"
    assert shop.program.stamp_cards.get().name == card
    assert shop.rewards.get(code="free-coffee").name == reward
    assert QuickItem.objects.filter(shop=shop, category="coffee").first().label == button
    with translation.override(language):
        assert any(reward in line for line in program_benefits(shop))


def test_the_templates_are_listed_in_the_owners_language(manager_client):
    from django.utils import translation

    from loyalty.services.templates import program_templates

    with translation.override("vi"):
        names = [template.name for template in program_templates()]
    assert "Thẻ tích dấu cà phê" in names and "Sao cà phê" in names
