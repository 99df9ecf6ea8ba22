"""The shop's branding on what is printed: the logo on every card of a sheet and on the poster, the accent band and
the main colour; the plain look for a shop with none; the poster still one A4 page, in Persian too."""

from __future__ import annotations

import io

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from loyalty.services.branding import shop_branding_update
from loyalty.services.printing import (
    POSTER_PNG_DPI,
    card_batch_print,
    card_sheet_pdf,
    logo_data_uri,
    poster_context,
    poster_pdf,
    poster_png,
)
from tests.factories import ProgramFactory

ACCENT = (0x1D, 0x4E, 0xD8)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def images_per_page(pdf: bytes) -> list[int]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [len(list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))) for page in document]
    finally:
        document.close()


def branded(shop, *, primary="#facc15", accent="#1d4ed8", logo=True):
    upload = None
    if logo:
        buffer = io.BytesIO()
        Image.new("RGBA", (1024, 512), (200, 30, 30, 255)).save(buffer, format="PNG")
        upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
        upload.image = Image.open(io.BytesIO(buffer.getvalue()))
    return shop_branding_update(shop=shop, primary=primary, accent=accent, logo=upload)


def test_every_card_of_a_sheet_carries_the_logo(shop):
    branded(shop)
    batch = card_batch_print(shop=shop, count=12)
    pdf = card_sheet_pdf(shop, batch.code)
    assert len(pdf) > 0
    assert images_per_page(pdf) == [10, 2]


def test_an_unbranded_sheet_prints_as_before(shop):
    batch = card_batch_print(shop=shop, count=3)
    assert images_per_page(card_sheet_pdf(shop, batch.code)) == [0]
    assert poster_context(shop)["theme"] is None and poster_context(shop)["logo"] == ""


def test_the_poster_has_the_logo_the_accent_band_and_stays_one_page(shop):
    branded(shop)
    pdf = poster_pdf(shop)
    assert images_per_page(pdf) == [1]
    png = Image.open(io.BytesIO(poster_png(shop))).convert("RGB")
    band_y = round((18 + 2) / 25.4 * POSTER_PNG_DPI)  # the page's 18 mm margin, then the 4 mm band
    assert png.getpixel((png.width // 2, band_y)) == ACCENT


def test_the_posters_call_to_scan_sits_on_the_main_colour_in_its_own_ink(shop):
    branded(shop, primary="#facc15", logo=False)
    context = poster_context(shop)
    theme = context["theme"]
    assert (theme.primary, theme.primary_ink) == ("#facc15", "#111827")
    assert images_per_page(poster_pdf(shop)) == [0]


def test_a_persian_branded_poster_is_still_one_page(db):
    shop = ProgramFactory(shop__name="کافه دوست", shop__language="fa", shop__currency="IRR", name="باشگاه").shop
    branded(shop)
    assert images_per_page(poster_pdf(shop)) == [1]


def test_a_logo_whose_file_is_gone_prints_without_it(shop):
    branded(shop)
    shop.logo.storage.delete(shop.logo.name)
    assert logo_data_uri(shop) == ""
    assert images_per_page(poster_pdf(shop)) == [0]
