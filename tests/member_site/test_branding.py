"""A shop's branding on what its customers see: the member pages' colours and logo, the join page, in the same
number of queries; the default look stays for a shop that set none, and another shop's pages keep their own."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from loyalty.services.branding import shop_branding_update
from loyalty.services.config import config_import
from tests.counter.helpers import buy, give_points
from tests.factories import enrol

from .conftest import cafe_document, signed_in
from .test_pages import CARD_PAGE_QUERIES, queries_for, shop_url


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def logo_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (200, 30, 30, 255)).save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def brand(shop, primary="#facc15", accent="#1d4ed8", logo=True):
    upload = logo_upload() if logo else None
    if upload is not None:
        upload.image = Image.open(io.BytesIO(upload.read()))  # as Django's ImageField leaves it
    return shop_branding_update(shop=shop, primary=primary, accent=accent, logo=upload)


def test_the_card_page_takes_the_shops_colours_and_logo(phone, lan, cafe):
    brand(cafe)
    page = phone.get(shop_url(lan)).content.decode()
    assert "<style>:root { --brand: #facc15; --brand-ink: #111827; --brand-dark: #876e0b;" in page
    assert "--accent: #1d4ed8;" in page
    assert '<meta name="theme-color" content="#facc15">' in page
    assert '<body class="branded"' in page
    cafe.refresh_from_db()
    assert f'<img class="m-logo" src="{cafe.logo.url}" alt="{cafe.name}"' in page


def test_the_other_member_pages_of_the_shop_are_branded_too(phone, lan, cafe):
    brand(cafe)
    for name in ("member:history", "member:settings"):
        page = phone.get(reverse(name, kwargs={"slug": cafe.slug})).content.decode()
        assert "--brand: #facc15;" in page, name


def test_a_shop_with_no_branding_keeps_the_default_look(phone, lan):
    page = phone.get(shop_url(lan)).content.decode()
    assert "<style>" not in page and "--brand:" not in page
    assert '<meta name="theme-color" content="#0f766e">' in page
    assert "m-logo" not in page and 'class="branded"' not in page


def test_the_list_of_cards_shows_each_shops_logo_and_no_shops_colours(phone, lan, cafe):
    brand(cafe)
    page = phone.get(reverse("member:home")).content.decode()
    cafe.refresh_from_db()
    assert cafe.logo.url in page
    assert "--brand: #facc15" not in page  # a customer of several shops: the list is the product's own


def test_another_shops_branding_is_not_on_this_shops_pages(phone, lan):
    other = config_import(cafe_document("other-cafe"))
    brand(other, primary="#7e22ce")
    enrol(other, name="Lan", email="lan@example.com")
    assert "#7e22ce" not in phone.get(shop_url(lan)).content.decode()


@pytest.mark.parametrize("branded", [False, True])
def test_branding_adds_no_query_to_the_card_page(phone, lan, cafe, branded):
    give_points(lan, 600)  # as the card page's own count is taken: points, purchases, history
    buy(lan)
    buy(lan)
    if branded:
        brand(cafe)
    assert queries_for(phone, shop_url(lan)) == CARD_PAGE_QUERIES


def test_the_join_page_shows_the_logo_and_the_colours(client, cafe):
    brand(cafe, primary="#1d4ed8", accent="")
    page = client.get(reverse("join", kwargs={"slug": cafe.slug})).content.decode()
    assert "<style>:root { --brand: #1d4ed8; --brand-ink: #ffffff;" in page
    cafe.refresh_from_db()
    assert f'class="join-logo" src="{cafe.logo.url}"' in page


def test_the_join_page_of_an_unbranded_shop_is_unchanged(client, cafe):
    page = client.get(reverse("join", kwargs={"slug": cafe.slug})).content.decode()
    assert "--brand:" not in page and "join-logo" not in page


def test_a_persian_shops_branded_card_page_reads_right_to_left(lan, cafe):
    brand(cafe)
    lan.language = "fa"
    lan.save(update_fields=["language"])
    page = signed_in(lan).get(shop_url(lan)).content.decode()
    assert 'dir="rtl"' in page and "--brand: #facc15;" in page
