"""The counter on a phone (390 × 844): nothing wider than the screen, and on a member's page who the member is
(name, points, tier, rewards) comes before the purchase form; in English, Vietnamese and Persian. The screenshots
are kept in test-artifacts/e2e/."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import StaffFactory, enrol

from ..counter.helpers import give_points

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

pytestmark = pytest.mark.browser


def signed_in_phone(new_page, live_server, shop, language: str):
    cashier = StaffFactory(shop=shop, role="cashier").user
    client = Client()
    client.force_login(cashier)
    page = new_page(locale=language, **PHONE)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    return page


def widest(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("language", ["en", "vi", "fa"])
def test_the_counter_fits_a_phone_and_shows_the_member_first(new_page, live_server, cafe, screenshot, language):
    member = enrol(cafe, name="Nguyễn Thị Lan")
    give_points(member, 30)
    page = signed_in_phone(new_page, live_server, cafe, language)
    page.goto("/counter/")
    assert widest(page) <= 390, f"the counter's home is {widest(page)} px wide on a 390 px screen"
    screenshot(page, f"counter-phone-home-{language}")
    page.goto(f"/counter/members/{member.pk}/")
    assert widest(page) <= 390, f"the member's page is {widest(page)} px wide on a 390 px screen"
    name_top = page.locator("#member-name").bounding_box()["y"]
    points_top = page.locator("[data-points-available]").bounding_box()["y"]
    form_top = page.locator("#purchase-title").bounding_box()["y"]
    assert name_top < points_top < form_top, "who the member is comes before the purchase form"
    screenshot(page, f"counter-phone-member-{language}")
