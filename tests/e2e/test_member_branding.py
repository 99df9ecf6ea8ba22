"""A branded shop on the member's phone (390 px wide): the header and buttons in the shop's colour with the text
colour the contrast rule chose, the logo loaded, the page still right to left in Persian."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from loyalty.services.branding import shop_branding_update
from tests.counter.helpers import give_points
from tests.factories import enrol

from .test_member_card import cafe, open_welcome_link  # noqa: F401 - the fixture

LOGO_SIZE = 512


def logo_upload() -> SimpleUploadedFile:
    image = Image.new("RGBA", (LOGO_SIZE, LOGO_SIZE), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((16, 16, LOGO_SIZE - 16, LOGO_SIZE - 16), fill=(180, 83, 9, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    upload.image = Image.open(io.BytesIO(buffer.getvalue()))
    return upload


@pytest.fixture
def branded(cafe, settings, tmp_path):  # noqa: F811 - the fixture imported above
    settings.MEDIA_ROOT = tmp_path
    settings.ROOT_URLCONF = "tests.e2e.media_urls"
    return shop_branding_update(shop=cafe, primary="#facc15", accent="#1d4ed8", logo=logo_upload())


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_branded_card_on_a_phone(new_page, branded, screenshot, language):
    lan = enrol(branded, name="Lan", email="lan@example.com")
    lan.language = language
    lan.save(update_fields=["language"])
    give_points(lan, 12)
    page = open_welcome_link(new_page, lan)
    header = page.locator(".m-top")
    expect(header).to_have_css("background-color", "rgb(250, 204, 21)")  # #facc15
    expect(header.locator(".m-brand")).to_have_css("color", "rgb(17, 24, 39)")  # near-black: 12.6:1
    logo = header.locator("img.m-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == LOGO_SIZE
    expect(page.locator("[data-qr-card]")).to_have_css("border-top-color", "rgb(29, 78, 216)")  # the accent
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")
    screenshot(page, f"member-branded-card-{language}")
