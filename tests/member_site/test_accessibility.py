"""The member pages for people who use a screen reader, a keyboard or low vision: contrast, focus, names, fields."""

import re
import unicodedata

from django.contrib.staticfiles import finders
from django.urls import reverse

from loyalty.member_site.views.auth import PHONE_SESSION_KEY


def css() -> str:
    with open(finders.find("member/member.css"), encoding="utf-8") as file:
        return file.read()


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def variable(name: str) -> str:
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", css()).group(1)


def test_muted_text_is_readable_on_white_and_on_the_page_background():
    for background in (variable("paper"), variable("background")):
        assert contrast(variable("muted"), background) >= 4.5


def test_the_focus_ring_shows_on_the_teal_header():
    """The header's own focus colour, a custom property a shop's branding sets too (tests/loyalty/test_branding.py
    checks the branded ones)."""
    ring = re.search(r"\.m-top :focus-visible\s*\{\s*outline-color:\s*var\(--brand-focus\)", css())
    assert ring, "the header has its own focus colour"
    assert contrast(variable("brand-focus"), variable("brand")) >= 3


def test_no_unused_card_label_style():
    assert ".qr-card__label" not in css()


def test_a_card_on_the_home_page_is_named_by_what_it_shows(phone, lan):
    html = phone.get(reverse("member:home")).content.decode()
    link = re.search(rf'<a href="/m/{lan.shop.slug}/"[^>]*>', html).group(0)
    assert "aria-label" not in link  # its name is its heading, points and "Show my card"


def test_language_options_are_named_in_their_own_language(phone, lan):
    page = phone.get(reverse("member:settings", kwargs={"slug": lan.shop.slug})).content.decode()
    html = unicodedata.normalize("NFC", page)
    assert unicodedata.normalize("NFC", '<option value="vi" lang="vi">Tiếng Việt</option>') in html
    assert '<option value="fa" lang="fa">فارسی</option>' in html


def test_the_phone_field_is_left_to_right_and_its_error_is_linked(client, db):
    response = client.post(reverse("member:sign_in_phone"), {"phone": "not a phone"})
    html = response.content.decode()
    field = re.search(r'<input[^>]*name="phone"[^>]*>', html).group(0)
    assert 'type="tel"' in field and 'dir="ltr"' in field and 'autocomplete="tel"' in field
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_phone_error"' in field
    assert 'id="id_phone_error"' in html and "This is not a valid phone number." in html


def test_the_code_field_links_its_error(client, db):
    session = client.session
    session[PHONE_SESSION_KEY] = "+84901234567"
    session.save()
    response = client.post(reverse("member:sign_in_phone_code"), {"code": "12"})
    field = re.search(r'<input[^>]*name="code"[^>]*>', response.content.decode()).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_code_error"' in field
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field and "autofocus" in field
