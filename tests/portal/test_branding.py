"""Branding on the settings page: the logo's upload checks, the colours' format and contrast rule, the warnings
when a colour is used darkened, and who may change it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from loyalty.models import Shop

URL = reverse("portal:settings_branding")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_file(size=(800, 400), image_format="PNG", name="logo.png", mode="RGBA", colour=(200, 30, 30, 255)):
    buffer = io.BytesIO()
    Image.new(mode, size, colour[: len(mode)]).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def post(client, *, follow: bool = False, **data):
    fields = {"brand_primary": "", "brand_accent": ""}
    fields.update(data)
    return client.post(URL, fields, follow=follow)


def test_an_owner_saves_a_logo_and_two_colours(owner_client, shop, media):
    response = post(owner_client, logo=image_file(), brand_primary="#1D4ED8", brand_accent=" #f59e0b ")
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.brand_primary, shop.brand_accent) == ("#1d4ed8", "#f59e0b")
    assert shop.logo.name.startswith(f"shops/{shop.slug}-logo-") and shop.logo.name.endswith(".png")
    with Image.open(shop.logo.path) as stored:
        assert stored.format == "PNG" and stored.size == (512, 256) and stored.mode == "RGBA"
    page = owner_client.get(reverse("portal:settings")).content.decode()
    assert "The shop&#x27;s branding is saved." in page
    assert shop.logo.url in page and "background: #1d4ed8; color: #ffffff" in page


def test_a_light_colour_is_kept_and_the_owner_is_told_what_the_pages_use(owner_client, shop):
    response = post(owner_client, brand_primary="#facc15", brand_accent="#fde68a", follow=True)
    page = response.content.decode()
    assert "#facc15 is too light for text on the page: links and headings use #876e0b." in page
    assert "#fde68a would barely show on white: bars and stamps use " in page
    shop.refresh_from_db()
    assert shop.brand_primary == "#facc15"


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#gggggg", "1d4ed8", "#1d4ed8;}", "#fff"])
def test_a_colour_not_written_as_six_hexadecimal_digits_is_refused(owner_client, shop, colour):
    response = post(owner_client, brand_primary=colour)
    assert response.status_code == 400
    assert "Write a colour as # and six hexadecimal digits" in response.content.decode()
    shop.refresh_from_db()
    assert shop.brand_primary == ""


def test_a_mid_grey_that_neither_white_nor_black_text_reads_on_is_refused_with_a_suggestion(owner_client, shop):
    response = post(owner_client, brand_primary="#777777")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Neither white nor black text is readable enough on #777777" in page
    assert "#767676" in page
    shop.refresh_from_db()
    assert shop.brand_primary == ""


def test_an_svg_logo_is_refused(owner_client, shop):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
    response = post(owner_client, logo=SimpleUploadedFile("logo.svg", svg, content_type="image/svg+xml"))
    assert response.status_code == 400
    shop.refresh_from_db()
    assert not shop.logo


def test_a_file_that_is_no_image_is_refused(owner_client, shop):
    response = post(owner_client, logo=SimpleUploadedFile("logo.png", b"\x89PNG\r\n not really", "image/png"))
    assert response.status_code == 400
    shop.refresh_from_db()
    assert not shop.logo


def test_a_gif_logo_is_refused(owner_client, shop):
    response = post(owner_client, logo=image_file(image_format="GIF", name="logo.gif", mode="P", colour=(3,)))
    assert response.status_code == 400
    assert "Upload the logo as a JPEG, PNG or WebP image." in response.content.decode()


def test_a_logo_of_too_many_pixels_is_refused_before_it_is_decoded(owner_client, shop):
    huge = image_file(size=(6000, 5000), mode="L", colour=(0,))  # 30 megapixels in a few kilobytes
    assert huge.size < 200_000
    response = post(owner_client, logo=huge)
    assert response.status_code == 400
    assert "The logo has too many pixels: at most 25 megapixels." in response.content.decode()
    shop.refresh_from_db()
    assert not shop.logo


def test_a_logo_file_over_5_mb_is_refused(owner_client, shop, monkeypatch):
    monkeypatch.setattr("loyalty.services.branding.LOGO_MAX_BYTES", 1000)
    response = post(owner_client, logo=image_file(size=(400, 400), mode="RGB", colour=(1, 2, 3)))
    assert response.status_code == 400
    assert "The logo is too large: at most 5 MB." in response.content.decode()


def test_a_jpeg_photo_logo_is_stored_as_a_small_png_without_its_metadata(owner_client, shop):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # taken sideways: the camera says "rotate 90°"
    exif[0x010F] = "Phone maker"
    Image.new("RGB", (1200, 900), (10, 120, 200)).save(buffer, format="JPEG", exif=exif)
    response = post(owner_client, logo=SimpleUploadedFile("me.jpg", buffer.getvalue(), "image/jpeg"))
    assert response.status_code == 302
    shop.refresh_from_db()
    with Image.open(shop.logo.path) as stored:
        assert stored.size == (384, 512)  # upright, at most 512 a side
        assert not stored.getexif()


def test_a_new_logo_replaces_the_old_file_and_remove_takes_it_away(
    owner_client, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, logo=image_file())
    shop.refresh_from_db()
    first = Path(shop.logo.path)
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, logo=image_file(colour=(0, 0, 0, 0)))
    shop.refresh_from_db()
    second = Path(shop.logo.path)
    assert second != first and second.exists() and not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, logo_remove="on")
    shop.refresh_from_db()
    assert not shop.logo and not second.exists()


def test_saving_the_colours_alone_keeps_the_logo_and_empty_colours_bring_the_default_look_back(owner_client, shop):
    post(owner_client, logo=image_file(), brand_primary="#1d4ed8")
    post(owner_client)
    shop.refresh_from_db()
    assert shop.logo and shop.brand_primary == ""


def test_managers_and_cashiers_cannot_change_the_branding(as_user, manager, cashier, shop):
    for person in (manager, cashier):
        assert post(as_user(person), brand_primary="#1d4ed8").status_code == 403
    shop.refresh_from_db()
    assert shop.brand_primary == ""


def test_the_branding_form_only_answers_posts(owner_client):
    assert owner_client.get(URL).status_code == 405


def test_another_shops_branding_stays_as_it_was(owner_client, shop, other_shop):
    post(owner_client, brand_primary="#1d4ed8")
    assert Shop.objects.get(pk=other_shop.pk).brand_primary == ""


def test_the_settings_page_explains_the_colour_rules_and_shows_the_saved_look(owner_client, shop):
    page = owner_client.get(reverse("portal:settings")).content.decode()
    assert 'action="/portal/settings/branding/"' in page and 'enctype="multipart/form-data"' in page
    assert "a contrast of 4.5:1" in page and "a contrast of 3:1" in page
    assert "data-brand-sample" not in page  # nothing set yet: no sample
    post(owner_client, brand_primary="#facc15")
    page = owner_client.get(reverse("portal:settings")).content.decode()
    assert "data-brand-sample" in page and "background: #facc15; color: #111827" in page
    assert 'value="#facc15"' in page
