"""The phone's QR card: a signed payload that expires after about a minute, refreshed by the page, and a fixed
card-number code for when the phone is offline."""

from unittest import mock

import pytest
from django.conf import settings

from loyalty.errors import NotFound
from loyalty.qr import qr_svg
from loyalty.services.members import member_card_number, member_lookup, qr_payload
from tests.factories import ProgramFactory, enrol


def payload_signed_at(member, moment: float) -> str:
    """The payload the phone would have shown at `moment` (the signer's clock set back or forward)."""
    with mock.patch("django.core.signing.time.time", return_value=moment):
        return qr_payload(member)


def test_a_screenshot_stops_working_after_about_a_minute():
    assert settings.QR_PAYLOAD_MAX_AGE == 60


def test_a_fresh_payload_finds_the_member(lan):
    assert member_lookup(lan.shop, qr_payload(lan)) == lan


def test_a_payload_half_a_minute_old_still_works_at_the_counter(lan):
    import time

    assert member_lookup(lan.shop, payload_signed_at(lan, time.time() - 30)) == lan


def test_a_payload_older_than_the_limit_is_refused(lan):
    import time

    stale = payload_signed_at(lan, time.time() - settings.QR_PAYLOAD_MAX_AGE - 2)
    with pytest.raises(NotFound):
        member_lookup(lan.shop, stale)


def test_an_edited_payload_is_refused(lan, cafe):
    other = enrol(cafe, name="Minh")
    payload = qr_payload(lan)
    forged = payload.replace(f"M{lan.pk}.", f"M{other.pk}.", 1)
    assert forged != payload
    with pytest.raises(NotFound):
        member_lookup(cafe, forged)


def test_a_payload_from_another_shop_finds_no_one_here(lan):
    elsewhere = ProgramFactory().shop
    with pytest.raises(NotFound):
        member_lookup(elsewhere, qr_payload(lan))


def test_the_qr_image_is_a_fresh_payload_each_time_and_never_cached(phone, lan):
    url = f"/m/{lan.shop.slug}/qr.svg"
    images = []
    for moment in (1_800_000_000, 1_800_000_031):
        with mock.patch("django.core.signing.time.time", return_value=moment):
            response = phone.get(url)
            expected = qr_svg(qr_payload(lan))
        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        assert "no-store" in response["Cache-Control"]
        assert response.content == expected
        images.append(response.content)
    assert images[0] != images[1]


def test_the_live_code_is_only_an_svg(phone, lan):
    assert phone.get(f"/m/{lan.shop.slug}/qr.png").status_code == 404  # the page only ever fetched the SVG


def test_the_card_page_embeds_the_live_code_and_the_offline_card_number_code(phone, lan):
    page = phone.get(f"/m/{lan.shop.slug}/").content.decode()
    number = member_card_number(lan)
    offline_svg = qr_svg(number).decode()
    assert offline_svg[offline_svg.index("<svg") :] in page
    assert "data-qr-offline" in page and "Offline card" in page and number in page
    assert f'data-qr-source="/m/{lan.shop.slug}/qr.svg"' in page and 'data-qr-valid="60"' in page


def test_the_qr_image_needs_the_member_signed_in(client, lan):
    response = client.get(f"/m/{lan.shop.slug}/qr.svg")
    assert response.status_code == 302 and response["Location"].startswith("/m/sign-in/")
